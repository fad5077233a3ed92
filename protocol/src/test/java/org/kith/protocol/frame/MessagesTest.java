package org.kith.protocol.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.kith.protocol.record.RecordFixtures.HEX;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.List;
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
import org.kith.protocol.proto.Upgrade;
import org.kith.protocol.proto.UpgradeReply;

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
        case UPGRADE -> Messages.upgrade(f);
        case UPGRADE_REPLY -> Messages.upgradeReply(f);
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

  static ByteString endpoint(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return ByteString.copyFrom(b);
  }

  @Test
  void upgrade_rules() throws Exception {
    ByteString v4 = endpoint(4, 203, 0, 113, 7, 0x1c, 0x25);
    ByteString v6 = endpoint(6, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x1c, 0x25);
    Upgrade ok = Upgrade.newBuilder().setAttempt(1).addCandidates(v4).addCandidates(v6).build();
    assertEquals(2, Messages.upgrade(FrameCodec.frame(FrameType.UPGRADE, 1, ok)).getCandidatesCount());
    assertEquals(List.of(new InetSocketAddress("203.0.113.7", 7205), new InetSocketAddress("2001:db8::1", 7205)),
        Messages.candidates(ok.getCandidatesList()));
    Upgrade eight = Upgrade.newBuilder().setAttempt(3).addAllCandidates(Collections.nCopies(8, v4)).build();
    Messages.upgrade(FrameCodec.frame(FrameType.UPGRADE, 1, eight));
    Messages.upgrade(FrameCodec.frame(FrameType.UPGRADE, 1, Upgrade.newBuilder().setAttempt(2).setSync(true).build()));
    assertCode(FrameException.Code.TOO_LARGE, FrameType.UPGRADE, eight.toBuilder().addCandidates(v4).build());
    assertCode(FrameException.Code.MALFORMED, FrameType.UPGRADE, ok.toBuilder().setAttempt(0).build());
    assertCode(FrameException.Code.MALFORMED, FrameType.UPGRADE, ok.toBuilder().setAttempt(4).build());
    assertCode(FrameException.Code.MALFORMED, FrameType.UPGRADE, ok.toBuilder().setSync(true).build());
    for (ByteString bad : List.of(endpoint(), endpoint(4, 1, 2, 3, 4, 0, 0), endpoint(4, 1, 2, 3, 4, 0),
        endpoint(5, 1, 2, 3, 4, 0, 1), endpoint(6, 1, 2, 3, 4, 0, 1), endpoint(4, 0, 0, 0, 0, 0, 1),
        endpoint(4, 224, 0, 0, 1, 0, 1), endpoint(4, 255, 255, 255, 255, 0, 1), endpoint(0, 0, 0, 0, 0, 0, 0),
        v4.concat(ByteString.copyFrom(new byte[1])))) {
      assertCode(FrameException.Code.MALFORMED, FrameType.UPGRADE, ok.toBuilder().addCandidates(bad).build());
      assertCode(FrameException.Code.MALFORMED, FrameType.UPGRADE_REPLY,
          UpgradeReply.newBuilder().addCandidates(bad).build());
    }
    assertCode(FrameException.Code.TOO_LARGE, FrameType.UPGRADE_REPLY,
        UpgradeReply.newBuilder().addAllCandidates(Collections.nCopies(9, v4)).build());
  }

  @Test
  void endpoint_roundTrips() throws Exception {
    for (InetSocketAddress a : List.of(new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("::1", 65535),
        new InetSocketAddress("::ffff:10.0.0.1", 7350))) {
      assertEquals(a, Endpoint.decode(Endpoint.encode(a)));
    }
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
        case UPGRADE -> Messages.upgrade(f);
        case UPGRADE_REPLY -> Messages.upgradeReply(f);
        default -> Messages.error(f);
      }
    });
    assertEquals(code, e.code(), e.getMessage());
  }
}
