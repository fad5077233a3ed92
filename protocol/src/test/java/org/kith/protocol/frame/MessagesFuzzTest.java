package org.kith.protocol.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kith.protocol.record.RecordFixtures.DAY_MS;
import static org.kith.protocol.record.RecordFixtures.SECRET_KEY;
import static org.kith.protocol.record.RecordFixtures.T0;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kith.protocol.FuzzSupport;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.Error;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameHeader;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;
import org.kith.protocol.proto.PairAccept;
import org.kith.protocol.proto.PairRequest;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;
import org.kith.protocol.proto.Unpair;
import org.kith.protocol.record.RecordException;
import org.kith.protocol.record.RecordFixtures;
import org.kith.protocol.record.RecordSigner;
import org.kith.protocol.record.RecordVerifier;

/**
 * Fuzz targets for every payload a peer can send (spec/PROTOCOL.md section 6): {@link Messages} returns a
 * message that keeps the rules of its table, or throws {@link FrameException}. The rules are restated here
 * rather than shared with {@code Messages}, so a rule dropped there is caught as a finding.
 */
class MessagesFuzzTest {
  private static final long NOW = T0 + DAY_MS;

  @FuzzTest
  void hello_anyPayload(byte[] payload) {
    try {
      checkHello(Messages.hello(frame(FrameType.HELLO, payload)));
    } catch (FrameException expected) {
      // refused: the only allowed failure
    }
  }

  @FuzzTest
  void pairRequest_anyPayload(byte[] payload) {
    try {
      checkPairRequest(Messages.pairRequest(frame(FrameType.PAIR_REQUEST, payload)));
    } catch (FrameException expected) {
      // refused
    }
  }

  @FuzzTest
  void pairAccept_anyPayload(byte[] payload) {
    try {
      checkPairAccept(Messages.pairAccept(frame(FrameType.PAIR_ACCEPT, payload)));
    } catch (FrameException expected) {
      // refused
    }
  }

  @FuzzTest
  void query_anyPayload(byte[] payload) {
    try {
      checkQuery(Messages.query(frame(FrameType.QUERY, payload)));
    } catch (FrameException expected) {
      // refused
    }
  }

  @FuzzTest
  void answer_anyPayload(byte[] payload) {
    try {
      checkAnswer(Messages.answer(frame(FrameType.ANSWER, payload)));
    } catch (FrameException expected) {
      // refused
    }
  }

  @FuzzTest
  void syncRequest_anyPayload(byte[] payload) {
    try {
      checkSyncRequest(Messages.syncRequest(frame(FrameType.SYNC_REQUEST, payload)));
    } catch (FrameException expected) {
      // refused
    }
  }

  @FuzzTest
  void syncBatch_anyPayload(byte[] payload) {
    try {
      checkSyncBatch(Messages.syncBatch(frame(FrameType.SYNC_BATCH, payload)));
    } catch (FrameException expected) {
      // refused
    }
  }

  @FuzzTest
  void error_anyPayload(byte[] payload) {
    try {
      Messages.error(frame(FrameType.ERROR, payload));
    } catch (FrameException expected) {
      // refused
    }
  }

  /**
   * A whole frame body as the node receives it: decoded, dispatched on its type as the node does, and each
   * record inside verified on its own.
   */
  @FuzzTest
  void dispatch_anyFrameBody(byte[] body) {
    Frame f;
    try {
      f = FrameCodec.decodeBody(body, 0, body.length);
    } catch (FrameException expected) {
      return;
    }
    try {
      switch (f.getHeader().getType()) {
        case HELLO -> checkHello(Messages.hello(f));
        case PAIR_REQUEST -> checkPairRequest(Messages.pairRequest(f));
        case PAIR_ACCEPT -> checkPairAccept(Messages.pairAccept(f));
        case QUERY -> checkQuery(Messages.query(f));
        case ANSWER -> verifyAll(checkAnswer(Messages.answer(f)).getRecordsList().toArray(new SignedRecord[0]));
        case SYNC_REQUEST -> checkSyncRequest(Messages.syncRequest(f));
        case SYNC_BATCH -> verifyAll(checkSyncBatch(Messages.syncBatch(f)).getRecordsList()
            .toArray(new SignedRecord[0]));
        case ERROR -> Messages.error(f);
        case UNPAIR -> FrameCodec.payload(f, Unpair.parser());
        case PING, PONG, SYNC_HINT -> { }
        default -> throw new AssertionError("decodeBody let through type " + f.getHeader().getType());
      }
    } catch (FrameException expected) {
      // refused
    }
  }

  private static void verifyAll(SignedRecord... records) {
    for (SignedRecord r : records) {
      try {
        RecordVerifier.verify(r, NOW);
      } catch (RecordException dropped) {
        // each record is dropped on its own
      }
    }
  }

  static Frame frame(FrameType type, byte[] payload) {
    return Frame.newBuilder()
        .setHeader(FrameHeader.newBuilder().setVersion(Limits.PROTOCOL_VERSION).setType(type).setRequestId(1))
        .setPayload(ByteString.copyFrom(payload))
        .build();
  }

  private static void checkHello(Hello m) {
    assertTrue(m.getProtocolVersion() >= 1);
    assertTrue(m.getCapabilitiesCount() <= Messages.MAX_CAPABILITIES);
    for (String c : m.getCapabilitiesList()) {
      assertTrue(c.matches("[a-z0-9-]{1,32}"), "capability");
    }
    assertTrue(m.getNameBytes().size() <= Limits.MAX_NAME_BYTES);
  }

  private static void checkPairRequest(PairRequest m) {
    assertEquals(16, m.getInviteId().size());
    assertEquals(32, m.getProof().size());
    assertTrue(m.getPetnameBytes().size() <= Limits.MAX_NAME_BYTES);
    // addresses are not checked on decoding: section 6.2 has the inviter ignore bad entries instead.
  }

  private static void checkPairAccept(PairAccept m) {
    assertTrue(m.getPetnameBytes().size() <= Limits.MAX_NAME_BYTES);
    assertTrue(m.getCircleBytes().size() <= Limits.MAX_AUDIENCE_BYTES);
  }

  private static void checkQuery(Query m) {
    assertEquals(16, m.getQueryId().size());
    int text = m.getTextBytes().size();
    assertTrue(text >= 1 && text <= Limits.MAX_QUERY_TEXT_BYTES);
    assertTrue(m.getEmbeddingCount() == 0 || m.getEmbeddingCount() == Limits.EMBEDDING_DIMENSIONS);
    for (float x : m.getEmbeddingList()) {
      assertTrue(Float.isFinite(x));
    }
    assertTrue(m.getHops() >= 1 && m.getHops() <= Limits.MAX_HOPS);
    assertTrue(m.getK() >= 1 && m.getK() <= Limits.MAX_RECORDS_PER_ANSWER);
    assertNotEquals(0, m.getDeadlineUnixMs());
  }

  private static Answer checkAnswer(Answer m) {
    assertEquals(16, m.getQueryId().size());
    assertTrue(m.getRecordsCount() <= Limits.MAX_RECORDS_PER_ANSWER);
    assertTrue(m.getViaCount() <= Limits.MAX_HOPS - 1);
    for (String v : m.getViaList()) {
      assertTrue(v.matches("[0-9a-f]{64}"), "via");
    }
    return m;
  }

  private static void checkSyncRequest(SyncRequest m) {
    assertTrue(m.getMax() >= 1 && m.getMax() <= Limits.MAX_SYNC_BATCH);
  }

  private static SyncBatch checkSyncBatch(SyncBatch m) {
    assertTrue(m.getRecordsCount() <= Limits.MAX_SYNC_BATCH);
    return m;
  }

  @Test
  void seeds_areCommitted() throws Exception {
    ByteString id16 = ByteString.copyFrom(RecordFixtures.filled(16, 0x16));
    SignedRecord record = RecordSigner.sign(RecordFixtures.note("Bread", "Sourdough starter.").build(), SECRET_KEY);
    Hello hello = Hello.newBuilder().setProtocolVersion(1).addCapabilities("sync-hint").setName("ada").build();
    PairRequest pairRequest = PairRequest.newBuilder().setInviteId(id16)
        .setProof(ByteString.copyFrom(RecordFixtures.filled(32, 0x32))).setPetname("bo")
        .addAddresses("127.0.0.1:7001").build();
    PairAccept pairAccept = PairAccept.newBuilder().setPetname("ada").setCircle("neighbours").build();
    Query.Builder query = Query.newBuilder().setQueryId(id16).setText("ladder?").setHops(2).setK(5)
        .setDeadlineUnixMs(NOW + 5000);
    Answer answer = Answer.newBuilder().setQueryId(id16).addRecords(record).addVia("ab".repeat(32))
        .setPartial(true).build();
    SyncRequest syncRequest = SyncRequest.newBuilder().setSinceCursor(3).setMax(100).build();
    SyncBatch syncBatch = SyncBatch.newBuilder().addRecords(record).setNextCursor(4).setMore(true).build();
    Error error = Error.newBuilder().setCode(ErrorCode.RATE_LIMITED).setMessage("slow down").build();

    seeds("hello_anyPayload", hello,
        "edge-17-capabilities", hello.toBuilder().addAllCapabilities(Collections.nCopies(16, "x")).build(),
        "edge-name-65", hello.toBuilder().setName("n".repeat(Limits.MAX_NAME_BYTES + 1)).build());
    seeds("pairRequest_anyPayload", pairRequest,
        "edge-proof-31", pairRequest.toBuilder().setProof(ByteString.copyFrom(new byte[31])).build(),
        "edge-5-addresses", pairRequest.toBuilder().addAllAddresses(Collections.nCopies(4, "h:1")).build());
    seeds("pairAccept_anyPayload", pairAccept,
        "edge-circle-65", pairAccept.toBuilder().setCircle("c".repeat(Limits.MAX_AUDIENCE_BYTES + 1)).build(),
        "edge-petname-65", pairAccept.toBuilder().setPetname("p".repeat(Limits.MAX_NAME_BYTES + 1)).build());
    Query.Builder embedded = query.clone();
    for (int i = 0; i < Limits.EMBEDDING_DIMENSIONS; i++) {
      embedded.addEmbedding(i / 384f);
    }
    seeds("query_anyPayload", query.build(),
        "valid-embedding", embedded.build(),
        "edge-text-1025", query.clone().setText("q".repeat(Limits.MAX_QUERY_TEXT_BYTES + 1)).build());
    seeds("answer_anyPayload", answer,
        "edge-51-records", answer.toBuilder().addAllRecords(Collections.nCopies(50, record)).build(),
        "edge-2-via", answer.toBuilder().addVia("cd".repeat(32)).build());
    seeds("syncRequest_anyPayload", syncRequest,
        "edge-max-101", syncRequest.toBuilder().setMax(Limits.MAX_SYNC_BATCH + 1).build(),
        "edge-max-0", syncRequest.toBuilder().setMax(0).build());
    seeds("syncBatch_anyPayload", syncBatch,
        "edge-101-records", syncBatch.toBuilder().addAllRecords(Collections.nCopies(100, record)).build(),
        "edge-empty-record", SyncBatch.newBuilder().addRecords(SignedRecord.getDefaultInstance()).build());
    seeds("error_anyPayload", error,
        "edge-unknown-code", error.toBuilder().setCodeValue(99).build(),
        "edge-message-257", error.toBuilder().setMessage("m".repeat(Limits.MAX_ERROR_MESSAGE_BYTES + 1)).build());

    Map<String, byte[]> bodies = new LinkedHashMap<>();
    putBody(bodies, "valid-hello", FrameType.HELLO, hello);
    putBody(bodies, "valid-pair-request", FrameType.PAIR_REQUEST, pairRequest);
    putBody(bodies, "valid-pair-accept", FrameType.PAIR_ACCEPT, pairAccept);
    putBody(bodies, "valid-query", FrameType.QUERY, query.build());
    putBody(bodies, "valid-answer", FrameType.ANSWER, answer);
    putBody(bodies, "valid-sync-request", FrameType.SYNC_REQUEST, syncRequest);
    putBody(bodies, "valid-sync-batch", FrameType.SYNC_BATCH, syncBatch);
    putBody(bodies, "valid-error", FrameType.ERROR, error);
    putBody(bodies, "valid-unpair", FrameType.UNPAIR, Unpair.getDefaultInstance());
    putBody(bodies, "valid-sync-hint", FrameType.SYNC_HINT, Unpair.getDefaultInstance());
    bodies.put("edge-1byte", new byte[] {0x0a});
    FuzzSupport.checkSeeds(getClass(), "dispatch_anyFrameBody", bodies);
  }

  private void seeds(String method, MessageLite valid, Object... edges) throws Exception {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put("valid", valid.toByteArray());
    for (int i = 0; i < edges.length; i += 2) {
      seeds.put((String) edges[i], ((MessageLite) edges[i + 1]).toByteArray());
    }
    seeds.put("edge-1byte", new byte[] {0x08});
    FuzzSupport.checkSeeds(getClass(), method, seeds);
  }

  private static void putBody(Map<String, byte[]> bodies, String name, FrameType type, MessageLite payload) {
    bodies.put(name, FrameCodec.frame(type, 1, payload).toByteArray());
  }
}
