package org.kith.node.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kith.node.MiniCluster;
import org.kith.node.MiniCluster.Member;
import org.kith.node.peers.Peer;
import org.kith.protocol.Limits;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.proto.AddressRecord;
import org.kith.protocol.proto.Error;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;
import org.kith.protocol.proto.SignedAddressRecord;
import org.kith.protocol.record.AddressRecords;
import org.kith.sodium.Sodium;

/**
 * A paired peer (a raw client holding its own key) sends Alice address records a well-behaved node never would.
 * Each bad one gets an ERROR saying what was wrong, and what Alice holds for the peer does not change
 * (spec/PROTOCOL.md 12.3).
 */
class AddressRecordRefusalTest {
  @RegisterExtension
  final MiniCluster cluster = MiniCluster.withFakeModel();
  Member alice;
  final KeyPair mallory = KeyPair.generate();
  static final List<String> FIRST = List.of("tcp:127.0.0.1:1");

  @BeforeEach
  void setUp() throws Exception {
    alice = cluster.add("Alice");
    alice.node.peerBook().put(new Peer(mallory.id(), "Mallory", "friends", List.of(), alice.clock.millis(), 0,
        false, false));
  }

  RawPeer connect(KeyPair as) throws Exception {
    RawPeer raw = RawPeer.handshake(new InetSocketAddress("127.0.0.1", alice.port()), as, alice.id());
    // Without the "addresses" capability Alice never sends her own record, so the next frames are her answers.
    raw.sendFrame(FrameCodec.frame(FrameType.HELLO, 0,
        Hello.newBuilder().setProtocolVersion(Limits.PROTOCOL_VERSION).build()));
    assertEquals(FrameType.HELLO, raw.next().getHeader().getType());
    return raw;
  }

  static AddressRecord.Builder record(KeyPair author, long seq, String... addresses) {
    return AddressRecord.newBuilder().setAuthor(ByteString.copyFrom(author.publicKey())).setSeq(seq)
        .setIssuedAtMs(1_800_000_000_000L).addAllAddresses(List.of(addresses));
  }

  static SignedAddressRecord sign(AddressRecord r, KeyPair key) {
    return AddressRecords.sign(r, key.secretKey());
  }

  /** Signed without the signer's checks, as a broken or hostile node would. */
  static SignedAddressRecord signAnything(AddressRecord r, KeyPair key) {
    byte[] body = r.toByteArray();
    byte[] message = new byte[AddressRecords.DOMAIN.length + body.length];
    System.arraycopy(AddressRecords.DOMAIN, 0, message, 0, AddressRecords.DOMAIN.length);
    System.arraycopy(body, 0, message, AddressRecords.DOMAIN.length, body.length);
    byte[] sig = new byte[64];
    Sodium.raw().crypto_sign_detached(sig, null, message, message.length, key.secretKey());
    return SignedAddressRecord.newBuilder().setBody(ByteString.copyFrom(body)).setSignature(ByteString.copyFrom(sig))
        .build();
  }

  static void send(RawPeer raw, SignedAddressRecord r) throws Exception {
    raw.sendFrame(FrameCodec.frame(FrameType.ADDRESSES, 0, r));
  }

  /** The next frame, which must be an ERROR with request id 0 and {@code code}; returns its message. */
  static String error(RawPeer raw, ErrorCode code) throws Exception {
    Frame f = raw.next();
    while (f.getHeader().getType() != FrameType.ERROR) {
      f = raw.next(); // Alice's own requests (a sync, a ping) go unanswered
    }
    assertEquals(FrameType.ERROR, f.getHeader().getType());
    assertEquals(0, f.getHeader().getRequestId());
    Error e = FrameCodec.payload(f, Error.parser());
    assertEquals(code, e.getCode(), e.getMessage());
    assertTrue(e.getMessage().endsWith("nothing was stored"), e.getMessage());
    return e.getMessage();
  }

  Peer held() {
    return alice.node.peerBook().get(mallory.id()).orElseThrow();
  }

  void holdsTheFirstRecord() {
    assertEquals(FIRST, held().addresses());
    assertEquals(5, held().addressSeq());
  }

  @Test
  void everyBadRecord_isAnsweredWithAnError_andChangesNothing() throws Exception {
    try (RawPeer raw = connect(mallory)) {
      send(raw, sign(record(mallory, 5, "tcp:127.0.0.1:1", "udp:127.0.0.1:2", "tcp:not a host:3").build(), mallory));
      MiniCluster.await("the first record stored", () -> held().addressSeq() == 5);
      holdsTheFirstRecord(); // the unknown kind and the broken address skipped

      send(raw, sign(record(mallory, 4, "tcp:127.0.0.1:4").build(), mallory));
      assertTrue(error(raw, ErrorCode.BAD_RECORD).contains("not newer"));
      send(raw, sign(record(mallory, 5, "tcp:127.0.0.1:4").build(), mallory));
      assertTrue(error(raw, ErrorCode.BAD_RECORD).contains("not newer"), "a seq used for other addresses");

      SignedAddressRecord good = sign(record(mallory, 6, "tcp:127.0.0.1:6").build(), mallory);
      byte[] sig = good.getSignature().toByteArray();
      sig[10] ^= 1;
      send(raw, good.toBuilder().setSignature(ByteString.copyFrom(sig)).build());
      assertTrue(error(raw, ErrorCode.BAD_RECORD).contains("signature"));

      byte[] body = good.getBody().toByteArray();
      body[body.length - 1] ^= 1;
      send(raw, good.toBuilder().setBody(ByteString.copyFrom(body)).build());
      assertTrue(error(raw, ErrorCode.BAD_RECORD).contains("signature"), "a tampered byte");

      String[] nine = new String[AddressRecords.MAX_ADDRESSES + 1];
      java.util.Arrays.fill(nine, "tcp:127.0.0.1:9");
      send(raw, signAnything(record(mallory, 7, nine).build(), mallory));
      assertTrue(error(raw, ErrorCode.TOO_LARGE).contains("at most " + AddressRecords.MAX_ADDRESSES));
      send(raw, signAnything(record(mallory, 7, "tcp:" + "a".repeat(AddressRecords.MAX_ADDRESS_BYTES)).build(),
          mallory));
      error(raw, ErrorCode.TOO_LARGE);

      KeyPair carol = KeyPair.generate();
      send(raw, sign(record(carol, 8, "tcp:127.0.0.1:8").build(), carol));
      assertTrue(error(raw, ErrorCode.BAD_RECORD).contains("another key"), "a record by someone else");

      raw.sendFrame(FrameCodec.frame(FrameType.ADDRESSES, 0, Hello.newBuilder().setName("not a record").build()));
      error(raw, ErrorCode.BAD_RECORD);

      holdsTheFirstRecord();
      assertEquals(8, alice.node.addresses().refused());

      // The same record again is no news, and no error.
      send(raw, sign(record(mallory, 9, "tcp:127.0.0.1:1").build(), mallory));
      MiniCluster.await("a newer record stored", () -> held().addressSeq() == 9);
    }
  }

  @Test
  void anUnpairedSender_isRefused() throws Exception {
    KeyPair stranger = KeyPair.generate();
    try (RawPeer raw = connect(stranger)) {
      send(raw, sign(record(stranger, 1, "tcp:127.0.0.1:1").build(), stranger));
      Frame f = raw.next();
      while (f.getHeader().getType() != FrameType.ERROR) {
        f = raw.next();
      }
      assertEquals(FrameType.ERROR, f.getHeader().getType());
      assertEquals(ErrorCode.NOT_PAIRED, FrameCodec.payload(f, Error.parser()).getCode());
    }
    assertTrue(alice.node.peerBook().get(stranger.id()).isEmpty());

    // A key with an unpair still to tell is known, not paired: its record is refused by the exchange itself.
    alice.node.peerBook().put(held().asUnpairPending());
    try (RawPeer raw = connect(mallory)) {
      send(raw, sign(record(mallory, 1, "tcp:127.0.0.1:1").build(), mallory));
      Frame f = raw.next();
      while (f.getHeader().getType() != FrameType.ERROR) {
        f = raw.next(); // the UNPAIR notice comes first
      }
      assertEquals(ErrorCode.NOT_PAIRED, FrameCodec.payload(f, Error.parser()).getCode());
    }
    assertEquals(List.of(), alice.node.peerBook().get(mallory.id()).map(Peer::addresses).orElse(List.of()));
  }
}
