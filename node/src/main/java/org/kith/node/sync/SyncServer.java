package org.kith.node.sync;

import java.time.Clock;
import java.util.List;
import org.kith.node.records.Held;
import org.kith.node.records.RecordStore;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;

/**
 * The responder's side of a sync (spec/PROTOCOL.md 6.5): our own records shared with the asker's circle,
 * after its cursor, bounded by count and bytes. A cursor's low 48 bits are a seq; its high 16 bits a tag of
 * the circle it was made for, so a peer moved to another circle starts over and receives what its new
 * circle was sent before the move.
 */
public final class SyncServer {
  /** Bytes of records in one SyncBatch or Answer, well under MAX_FRAME_BYTES (the frame adds a little). */
  public static final int MAX_RESPONSE_RECORD_BYTES = Limits.MAX_FRAME_BYTES - 16 * 1024;
  /** Own records looked at per batch, shared with the circle or not; bounds the work of one request. */
  static final int MAX_SCANNED = 4 * Limits.MAX_SYNC_BATCH + 1024;
  static final long SEQ_MASK = (1L << 48) - 1;

  private final RecordStore store;
  private final Clock clock;

  public SyncServer(RecordStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  public SyncBatch serve(String circle, SyncRequest req) {
    long now = clock.millis();
    SyncBatch.Builder b = SyncBatch.newBuilder();
    int bytes = 0;
    long tag = circleTag(circle);
    long since = (req.getSinceCursor() & ~SEQ_MASK) == tag ? req.getSinceCursor() & SEQ_MASK : 0;
    long cursor = since;
    boolean more = false;
    List<Held> after = store.ownAfter(since, MAX_SCANNED);
    for (Held h : after) {
      long seq = h.record.record().getSeq();
      if (!h.record.record().getAudience().equals(circle) || h.record.isExpired(now)) {
        cursor = seq;
        continue;
      }
      int size = h.record.signed().getSerializedSize() + 8;
      if (b.getRecordsCount() >= req.getMax() || bytes + size > MAX_RESPONSE_RECORD_BYTES) {
        more = true;
        break;
      }
      b.addRecords(h.record.signed());
      bytes += size;
      cursor = seq;
    }
    if (!more && after.size() == MAX_SCANNED && cursor == after.get(after.size() - 1).record.record().getSeq()) {
      more = true; // scanned as far as one request may; the asker continues from the cursor
    }
    return b.setNextCursor(tag | cursor).setMore(more).build();
  }

  static long circleTag(String circle) {
    return ((long) (circle.hashCode() & 0xFFFF) | 1L) << 48;
  }
}
