package org.kith.protocol.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.kith.protocol.record.RecordFixtures.HEX;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;
import org.kith.protocol.proto.PairAccept;
import org.kith.protocol.proto.PairRequest;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;

class MessagesTest {
  static final ByteString ID16 = ByteString.copyFrom(new byte[16]);
  static final Query QUERY = Query.newBuilder().setQueryId(ID16).setText("ladder?").setHops(1).setK(5)
      .setDeadlineUnixMs(1).build();

  @Test
  void vectorFrames_passTheirMessageRules() throws Exception {
    for (JsonObject v : FrameVectorsTest.load()) {
      if (!v.get("expect").getAsString().equals("VALID")) {
        continue;
      }
      Frame f = new FrameDecoder().feed(HEX.parseHex(v.get("bytes_hex").getAsString())).get(0);
      switch (f.getHeader().getType()) {
        case HELLO -> Messages.hello(f);
        case PAIR_REQUEST -> Messages.pairRequest(f);
        case PAIR_ACCEPT -> Messages.pairAccept(f);
        case QUERY -> Messages.query(f);
        case ANSWER -> Messages.answer(f);
        case SYNC_REQUEST -> Messages.syncRequest(f);
        case SYNC_BATCH -> Messages.syncBatch(f);
        case ERROR -> Messages.error(f);
        default -> { }
      }
    }
  }

  @Test
  void hello_rules() {
    Hello ok = Hello.newBuilder().setProtocolVersion(1).build();
    assertCode(FrameException.Code.MALFORMED, FrameType.HELLO, ok.toBuilder().setProtocolVersion(0).build());
    assertCode(FrameException.Code.MALFORMED, FrameType.HELLO, ok.toBuilder().addCapabilities("Sync").build());
    assertCode(FrameException.Code.MALFORMED, FrameType.HELLO,
        ok.toBuilder().addAllCapabilities(Collections.nCopies(17, "x")).build());
    assertCode(FrameException.Code.MALFORMED, FrameType.HELLO, ok.toBuilder().setName("n".repeat(65)).build());
  }

  @Test
  void pairing_rules() {
    PairRequest ok = PairRequest.newBuilder().setInviteId(ID16)
        .setProof(ByteString.copyFrom(new byte[32])).build();
    assertCode(FrameException.Code.MALFORMED, FrameType.PAIR_REQUEST,
        ok.toBuilder().setInviteId(ByteString.copyFrom(new byte[15])).build());
    assertCode(FrameException.Code.MALFORMED, FrameType.PAIR_REQUEST,
        ok.toBuilder().setProof(ByteString.copyFrom(new byte[31])).build());
    assertCode(FrameException.Code.MALFORMED, FrameType.PAIR_ACCEPT,
        PairAccept.newBuilder().setCircle("c".repeat(65)).build());
  }

  @Test
  void query_rules() throws Exception {
    Messages.query(FrameCodec.frame(FrameType.QUERY, 1, QUERY));
    assertCode(FrameException.Code.MALFORMED, FrameType.QUERY, QUERY.toBuilder().setQueryId(ID16.substring(1)).build());
    assertCode(FrameException.Code.MALFORMED, FrameType.QUERY, QUERY.toBuilder().setText("").build());
    assertCode(FrameException.Code.TOO_LARGE, FrameType.QUERY,
        QUERY.toBuilder().setText("q".repeat(Limits.MAX_QUERY_TEXT_BYTES + 1)).build());
    Messages.query(FrameCodec.frame(FrameType.QUERY, 1,
        QUERY.toBuilder().setText("q".repeat(Limits.MAX_QUERY_TEXT_BYTES)).build()));
    assertCode(FrameException.Code.MALFORMED, FrameType.QUERY, QUERY.toBuilder().setHops(0).build());
    assertCode(FrameException.Code.MALFORMED, FrameType.QUERY, QUERY.toBuilder().setHops(3).build());
    assertCode(FrameException.Code.MALFORMED, FrameType.QUERY, QUERY.toBuilder().setK(0).build());
    assertCode(FrameException.Code.TOO_LARGE, FrameType.QUERY,
        QUERY.toBuilder().setK(Limits.MAX_RECORDS_PER_ANSWER + 1).build());
    assertCode(FrameException.Code.MALFORMED, FrameType.QUERY, QUERY.toBuilder().addEmbedding(1f).build());
    Query.Builder nan = QUERY.toBuilder();
    for (int i = 0; i < Limits.EMBEDDING_DIMENSIONS; i++) {
      nan.addEmbedding(i == 7 ? Float.NaN : 0f);
    }
    assertCode(FrameException.Code.MALFORMED, FrameType.QUERY, nan.build());
  }

  @Test
  void answerAndSync_rules() {
    Answer.Builder many = Answer.newBuilder().setQueryId(ID16);
    for (int i = 0; i <= Limits.MAX_RECORDS_PER_ANSWER; i++) {
      many.addRecords(SignedRecord.getDefaultInstance());
    }
    assertCode(FrameException.Code.TOO_LARGE, FrameType.ANSWER, many.build());
    assertCode(FrameException.Code.MALFORMED, FrameType.ANSWER,
        Answer.newBuilder().setQueryId(ID16).addVia("not hex").build());
    assertCode(FrameException.Code.MALFORMED, FrameType.SYNC_REQUEST, SyncRequest.newBuilder().setMax(0).build());
    assertCode(FrameException.Code.TOO_LARGE, FrameType.SYNC_REQUEST,
        SyncRequest.newBuilder().setMax(Limits.MAX_SYNC_BATCH + 1).build());
    SyncBatch.Builder batch = SyncBatch.newBuilder();
    for (int i = 0; i <= Limits.MAX_SYNC_BATCH; i++) {
      batch.addRecords(SignedRecord.getDefaultInstance());
    }
    assertCode(FrameException.Code.TOO_LARGE, FrameType.SYNC_BATCH, batch.build());
  }

  @Test
  void wrongFrameType_isADispatchBug() {
    assertThrows(IllegalArgumentException.class,
        () -> Messages.hello(FrameCodec.frame(FrameType.QUERY, 1, QUERY)));
  }

  private static void assertCode(FrameException.Code code, FrameType type, MessageLite m) {
    Frame f = FrameCodec.frame(type, 1, m);
    FrameException e = assertThrows(FrameException.class, () -> {
      switch (type) {
        case HELLO -> Messages.hello(f);
        case PAIR_REQUEST -> Messages.pairRequest(f);
        case PAIR_ACCEPT -> Messages.pairAccept(f);
        case QUERY -> Messages.query(f);
        case ANSWER -> Messages.answer(f);
        case SYNC_REQUEST -> Messages.syncRequest(f);
        case SYNC_BATCH -> Messages.syncBatch(f);
        default -> Messages.error(f);
      }
    });
    assertEquals(code, e.code(), e.getMessage());
  }
}
