package org.kith.protocol;

/**
 * Every limit of the wire protocol, in one place. spec/PROTOCOL.md section 9 lists the same numbers; changing
 * one here is a protocol change and needs a spec revision.
 */
public final class Limits {
  private Limits() {}

  /** The version every frame header carries. */
  public static final int PROTOCOL_VERSION = 1;

  /**
   * Largest serialized {@code Frame}, excluding its varint length prefix. 256 KiB holds a full answer
   * ({@link #MAX_RECORDS_PER_ANSWER} records of typical size) while bounding what a peer can make us buffer.
   */
  public static final int MAX_FRAME_BYTES = 256 * 1024;

  /** Protobuf nesting depth accepted when parsing a frame; our deepest message nests 4 levels. */
  public static final int MAX_PARSE_DEPTH = 16;

  /** Largest serialized {@code Record} (the signed body). */
  public static final int MAX_RECORD_BYTES = 64 * 1024;

  /** Largest {@code Record.content}. Leaves room in the body for the envelope fields. */
  public static final int MAX_CONTENT_BYTES = 60 * 1024;

  /** Records in one {@code Answer}. */
  public static final int MAX_RECORDS_PER_ANSWER = 50;

  /** Records in one {@code SyncBatch}. */
  public static final int MAX_SYNC_BATCH = 100;

  /** Hops a query may travel: 1 = direct peers, 2 = their peers too. Also the largest {@code Record.reach}. */
  public static final int MAX_HOPS = 2;

  /** Peers one node sends one query to. */
  public static final int MAX_QUERY_FANOUT = 16;

  /** Bytes of UTF-8 in {@code Query.text}. */
  public static final int MAX_QUERY_TEXT_BYTES = 1024;

  /** Floats in an embedding (MiniLM-L6). */
  public static final int EMBEDDING_DIMENSIONS = 384;

  /** Requests a peer may send per second, averaged (token bucket refill rate). */
  public static final int MAX_REQUESTS_PER_SECOND_PER_PEER = 10;

  /** Token bucket depth for {@link #MAX_REQUESTS_PER_SECOND_PER_PEER}. */
  public static final int MAX_REQUEST_BURST_PER_PEER = 20;

  /** Requests one sender may have open on one connection. */
  public static final int MAX_OPEN_REQUESTS_PER_CONNECTION = 32;

  /** How far in the future a record's {@code created_at_ms} may lie, to allow for clock drift. */
  public static final long MAX_CLOCK_SKEW_MS = 5 * 60 * 1000L;

  /** Longest lifetime of a record: {@code expires_at_ms - created_at_ms}. */
  public static final long MAX_RECORD_LIFETIME_MS = 366L * 24 * 60 * 60 * 1000;

  /** Bytes of UTF-8 in {@code Record.audience}. */
  public static final int MAX_AUDIENCE_BYTES = 64;

  /** Bytes of UTF-8 in {@code Error.message}. */
  public static final int MAX_ERROR_MESSAGE_BYTES = 256;

  /** Bytes of UTF-8 in a petname or a {@code Hello.name}. */
  public static final int MAX_NAME_BYTES = 64;
}
