package org.kith.protocol.frame;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.util.List;
import java.util.regex.Pattern;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.Error;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;
import org.kith.protocol.proto.PairAccept;
import org.kith.protocol.proto.PairRequest;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.SignedAddressRecord;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;
import org.kith.protocol.proto.Upgrade;
import org.kith.protocol.proto.UpgradeReply;

/**
 * Parses a frame's payload as the message its type names and applies the rules of spec/PROTOCOL.md section 6
 * that need no local state (sizes, ranges, lengths). Records inside {@code Answer} and {@code SyncBatch} are
 * not verified here: each goes through {@code RecordVerifier} on its own and is dropped alone if it fails.
 *
 * <p>Calling a method for a frame of another type is a dispatch bug and throws
 * {@link IllegalArgumentException}; everything a peer controls gives a {@link FrameException}.
 */
public final class Messages {
  public static final int INVITE_ID_BYTES = 16;
  public static final int PAIR_PROOF_BYTES = 32;
  public static final int QUERY_ID_BYTES = 16;
  public static final int MAX_CAPABILITIES = 16;
  /** Most endpoints in {@code Upgrade.candidates} and {@code UpgradeReply.candidates} (spec 12.4). */
  public static final int MAX_CANDIDATES = 8;
  /** Most tries of one upgrade (spec 12.4): {@code Upgrade.attempt} is 1..this. */
  public static final int MAX_UPGRADE_ATTEMPTS = 3;
  private static final Pattern CAPABILITY = Pattern.compile("[a-z0-9-]{1,32}");
  private static final Pattern KEY_HEX = Pattern.compile("[0-9a-f]{64}");

  private Messages() {}

  public static Hello hello(Frame frame) throws FrameException {
    Hello m = parse(frame, FrameType.HELLO, Hello.parser());
    if (m.getProtocolVersion() < 1) {
      throw malformed("Hello.protocol_version 0");
    }
    if (m.getCapabilitiesCount() > MAX_CAPABILITIES) {
      throw malformed("Hello has " + m.getCapabilitiesCount() + " capabilities, at most " + MAX_CAPABILITIES);
    }
    for (String c : m.getCapabilitiesList()) {
      if (!CAPABILITY.matcher(c).matches()) {
        throw malformed("Hello capability is not a token of [a-z0-9-]{1,32}");
      }
    }
    checkName(m.getNameBytes(), "Hello.name");
    return m;
  }

  public static PairRequest pairRequest(Frame frame) throws FrameException {
    PairRequest m = parse(frame, FrameType.PAIR_REQUEST, PairRequest.parser());
    checkLength(m.getInviteId(), INVITE_ID_BYTES, "PairRequest.invite_id");
    checkLength(m.getProof(), PAIR_PROOF_BYTES, "PairRequest.proof");
    checkName(m.getPetnameBytes(), "PairRequest.petname");
    return m;
  }

  public static PairAccept pairAccept(Frame frame) throws FrameException {
    PairAccept m = parse(frame, FrameType.PAIR_ACCEPT, PairAccept.parser());
    checkName(m.getPetnameBytes(), "PairAccept.petname");
    if (m.getCircleBytes().size() > Limits.MAX_AUDIENCE_BYTES) {
      throw malformed("PairAccept.circle longer than " + Limits.MAX_AUDIENCE_BYTES + " bytes");
    }
    return m;
  }

  public static Query query(Frame frame) throws FrameException {
    Query m = parse(frame, FrameType.QUERY, Query.parser());
    checkLength(m.getQueryId(), QUERY_ID_BYTES, "Query.query_id");
    int text = m.getTextBytes().size();
    if (text == 0) {
      throw malformed("Query.text empty");
    }
    if (text > Limits.MAX_QUERY_TEXT_BYTES) {
      throw tooLarge("Query.text of " + text + " bytes, at most " + Limits.MAX_QUERY_TEXT_BYTES);
    }
    if (m.getEmbeddingCount() != 0) {
      if (m.getEmbeddingCount() != Limits.EMBEDDING_DIMENSIONS) {
        throw malformed("Query.embedding of " + m.getEmbeddingCount() + " floats");
      }
      for (int i = 0; i < m.getEmbeddingCount(); i++) {
        if (!Float.isFinite(m.getEmbedding(i))) {
          throw malformed("Query.embedding holds a non-finite value");
        }
      }
    }
    if (m.getHops() < 1 || m.getHops() > Limits.MAX_HOPS) {
      throw malformed("Query.hops " + Integer.toUnsignedString(m.getHops()));
    }
    checkCount(m.getK(), Limits.MAX_RECORDS_PER_ANSWER, "Query.k");
    if (m.getDeadlineUnixMs() == 0) {
      throw malformed("Query.deadline_unix_ms 0");
    }
    return m;
  }

  public static Answer answer(Frame frame) throws FrameException {
    Answer m = parse(frame, FrameType.ANSWER, Answer.parser());
    checkLength(m.getQueryId(), QUERY_ID_BYTES, "Answer.query_id");
    if (m.getRecordsCount() > Limits.MAX_RECORDS_PER_ANSWER) {
      throw tooLarge("Answer with " + m.getRecordsCount() + " records, at most " + Limits.MAX_RECORDS_PER_ANSWER);
    }
    checkVia(m.getViaList());
    return m;
  }

  public static SyncRequest syncRequest(Frame frame) throws FrameException {
    SyncRequest m = parse(frame, FrameType.SYNC_REQUEST, SyncRequest.parser());
    checkCount(m.getMax(), Limits.MAX_SYNC_BATCH, "SyncRequest.max");
    return m;
  }

  public static SyncBatch syncBatch(Frame frame) throws FrameException {
    SyncBatch m = parse(frame, FrameType.SYNC_BATCH, SyncBatch.parser());
    if (m.getRecordsCount() > Limits.MAX_SYNC_BATCH) {
      throw tooLarge("SyncBatch with " + m.getRecordsCount() + " records, at most " + Limits.MAX_SYNC_BATCH);
    }
    return m;
  }

  /**
   * A {@code SignedAddressRecord} as sent (spec 12.3); its signature and fields are checked by
   * {@code AddressRecords.verify}, which the receiver runs with the sender's key at hand.
   */
  public static SignedAddressRecord addresses(Frame frame) throws FrameException {
    return parse(frame, FrameType.ADDRESSES, SignedAddressRecord.parser());
  }

  /**
   * An {@code Error} as sent. An unknown code is returned as is ({@code getCodeValue()}) for the caller to
   * treat as {@code INTERNAL}; a message longer than {@link Limits#MAX_ERROR_MESSAGE_BYTES} is the caller's
   * to truncate before logging.
   */
  /** Spec 12.4: at most 8 valid endpoints, none in a sync; attempt 1..3. */
  public static Upgrade upgrade(Frame frame) throws FrameException {
    Upgrade m = parse(frame, FrameType.UPGRADE, Upgrade.parser());
    checkCandidates(m.getCandidatesList(), "Upgrade.candidates");
    if (m.getSync() && m.getCandidatesCount() > 0) {
      throw malformed("Upgrade with sync carries candidates");
    }
    if (m.getAttempt() < 1 || m.getAttempt() > MAX_UPGRADE_ATTEMPTS) {
      throw malformed("Upgrade.attempt " + Integer.toUnsignedString(m.getAttempt()) + ", not 1.."
          + MAX_UPGRADE_ATTEMPTS);
    }
    return m;
  }

  public static UpgradeReply upgradeReply(Frame frame) throws FrameException {
    UpgradeReply m = parse(frame, FrameType.UPGRADE_REPLY, UpgradeReply.parser());
    checkCandidates(m.getCandidatesList(), "UpgradeReply.candidates");
    return m;
  }

  /** The candidates as addresses, checked as {@link #upgrade} does. */
  public static List<java.net.InetSocketAddress> candidates(List<ByteString> candidates) throws FrameException {
    checkCandidates(candidates, "candidates");
    List<java.net.InetSocketAddress> out = new java.util.ArrayList<>(candidates.size());
    for (ByteString c : candidates) {
      out.add(Endpoint.decode(c.toByteArray()));
    }
    return out;
  }

  private static void checkCandidates(List<ByteString> candidates, String what) throws FrameException {
    if (candidates.size() > MAX_CANDIDATES) {
      throw tooLarge(what + " has " + candidates.size() + " entries, at most " + MAX_CANDIDATES);
    }
    for (ByteString c : candidates) {
      try {
        Endpoint.decode(c.toByteArray());
      } catch (FrameException e) {
        throw malformed(what + ": " + e.getMessage());
      }
    }
  }

  public static Error error(Frame frame) throws FrameException {
    return parse(frame, FrameType.ERROR, Error.parser());
  }

  private static <T extends MessageLite> T parse(Frame frame, FrameType type, Parser<T> parser)
      throws FrameException {
    if (frame.getHeader().getType() != type) {
      throw new IllegalArgumentException("frame of type " + frame.getHeader().getType() + ", expected " + type);
    }
    return FrameCodec.payload(frame, parser);
  }

  private static void checkVia(List<String> via) throws FrameException {
    if (via.size() > Limits.MAX_HOPS - 1) {
      throw malformed("Answer.via has " + via.size() + " entries, at most " + (Limits.MAX_HOPS - 1));
    }
    for (String v : via) {
      if (!KEY_HEX.matcher(v).matches()) {
        throw malformed("Answer.via entry is not a 64-character lower-case hex key");
      }
    }
  }

  private static void checkCount(int value, int max, String what) throws FrameException {
    if (value == 0) {
      throw malformed(what + " 0");
    }
    if (Integer.compareUnsigned(value, max) > 0) {
      throw tooLarge(what + " " + Integer.toUnsignedString(value) + ", at most " + max);
    }
  }

  private static void checkLength(ByteString bytes, int length, String what) throws FrameException {
    if (bytes.size() != length) {
      throw malformed(what + " of " + bytes.size() + " bytes, expected " + length);
    }
  }

  private static void checkName(ByteString utf8, String what) throws FrameException {
    if (utf8.size() > Limits.MAX_NAME_BYTES) {
      throw malformed(what + " longer than " + Limits.MAX_NAME_BYTES + " bytes");
    }
  }

  private static FrameException malformed(String message) {
    return new FrameException(FrameException.Code.MALFORMED, message);
  }

  private static FrameException tooLarge(String message) {
    return new FrameException(FrameException.Code.TOO_LARGE, message);
  }
}
