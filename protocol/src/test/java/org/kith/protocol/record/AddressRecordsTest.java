package org.kith.protocol.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.kith.protocol.record.RecordFixtures.PUBLIC_KEY;
import static org.kith.protocol.record.RecordFixtures.SECRET_KEY;
import static org.kith.protocol.record.RecordFixtures.T0;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kith.protocol.proto.AddressRecord;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.SignedAddressRecord;
import org.kith.protocol.proto.SignedRecord;
import org.kith.sodium.Sodium;

/** Address records (spec/PROTOCOL.md 12.3): signed like records, under their own prefix, with their own limits. */
class AddressRecordsTest {
  static AddressRecord.Builder record(long seq, String... addresses) {
    return AddressRecord.newBuilder().setAuthor(ByteString.copyFrom(PUBLIC_KEY)).setSeq(seq).setIssuedAtMs(T0)
        .addAllAddresses(List.of(addresses));
  }

  @Test
  void signed_verifiesWithItsFields() throws Exception {
    SignedAddressRecord s = AddressRecords.sign(record(7, "tcp:192.168.1.20:7347", "room:x@h:1").build(), SECRET_KEY);
    AddressRecords.Verified v = AddressRecords.verify(s);
    assertArrayEquals(PUBLIC_KEY, v.author());
    assertEquals(7, v.seq());
    assertEquals(T0, v.issuedAtMillis());
    assertEquals(List.of("tcp:192.168.1.20:7347", "room:x@h:1"), v.addresses());
    assertEquals(s.getBody(), v.body());
    assertEquals(64, s.getSignature().size());
    assertEquals(0x0a, s.getBody().byteAt(0));
    assertEquals(0x20, s.getBody().byteAt(1));
  }

  @Test
  void everyFlippedBitAndEveryTruncation_fails() {
    SignedAddressRecord s = AddressRecords.sign(record(1, "tcp:10.0.0.1:7347").build(), SECRET_KEY);
    byte[] body = s.getBody().toByteArray();
    byte[] sig = s.getSignature().toByteArray();
    for (int i = 0; i < body.length * 8; i++) {
      byte[] b = body.clone();
      b[i / 8] ^= (byte) (1 << (i % 8));
      SignedAddressRecord t = s.toBuilder().setBody(ByteString.copyFrom(b)).build();
      assertThrows(RecordException.class, () -> AddressRecords.verify(t), "body bit " + i);
    }
    for (int i = 0; i < sig.length * 8; i++) {
      byte[] g = sig.clone();
      g[i / 8] ^= (byte) (1 << (i % 8));
      SignedAddressRecord t = s.toBuilder().setSignature(ByteString.copyFrom(g)).build();
      assertThrows(RecordException.class, () -> AddressRecords.verify(t), "signature bit " + i);
    }
    for (int n = 0; n < body.length; n++) {
      SignedAddressRecord t = s.toBuilder().setBody(ByteString.copyFrom(body, 0, n)).build();
      assertThrows(RecordException.class, () -> AddressRecords.verify(t), "body cut to " + n);
    }
  }

  @Test
  void aRecordSignatureIsNoAddressRecordSignature_norTheReverse() throws Exception {
    // The same bytes signed under the record prefix: the domains keep them apart.
    SignedAddressRecord a = AddressRecords.sign(record(1, "tcp:10.0.0.1:7347").build(), SECRET_KEY);
    byte[] recordMessage = RecordVerifier.signedMessage(a.getBody().toByteArray());
    byte[] sig = new byte[64];
    Sodium.raw().crypto_sign_detached(sig, null, recordMessage, recordMessage.length, SECRET_KEY);
    RecordException e = assertThrows(RecordException.class, () -> AddressRecords.verify(
        a.toBuilder().setSignature(ByteString.copyFrom(sig)).build()));
    assertEquals(RecordException.Reason.BAD_SIGNATURE, e.reason());

    Record note = RecordFixtures.note("t", "x").build();
    SignedRecord r = RecordSigner.sign(note, SECRET_KEY);
    assertThrows(RecordException.class, () -> RecordVerifier.verify(
        r.toBuilder().setSignature(a.getSignature()).build(), T0));
    RecordException asAddresses = assertThrows(RecordException.class, () -> AddressRecords.verify(
        SignedAddressRecord.newBuilder().setBody(r.getBody()).setSignature(r.getSignature()).build()));
    // A record body is refused before it is parsed as an address record.
    assertEquals(note.getSerializedSize() > AddressRecords.MAX_BODY_BYTES ? RecordException.Reason.TOO_LARGE
        : RecordException.Reason.BAD_SIGNATURE, asAddresses.reason());
  }

  @Test
  void limits_atTheBoundary() throws Exception {
    String max = "tcp:" + "a".repeat(AddressRecords.MAX_ADDRESS_BYTES - 9) + ":7347";
    assertEquals(AddressRecords.MAX_ADDRESS_BYTES, max.getBytes(StandardCharsets.UTF_8).length);
    String[] eight = new String[AddressRecords.MAX_ADDRESSES];
    java.util.Arrays.fill(eight, max);
    AddressRecords.verify(AddressRecords.sign(record(1, eight).build(), SECRET_KEY));

    assertThrows(IllegalArgumentException.class,
        () -> AddressRecords.sign(record(1, "tcp:" + "a".repeat(AddressRecords.MAX_ADDRESS_BYTES - 8) + ":7347")
            .build(), SECRET_KEY), "an address of max + 1 bytes is not signed");
    String[] nine = new String[AddressRecords.MAX_ADDRESSES + 1];
    java.util.Arrays.fill(nine, "tcp:h:1");
    assertThrows(IllegalArgumentException.class, () -> AddressRecords.sign(record(1, nine).build(), SECRET_KEY));
    assertThrows(IllegalArgumentException.class, () -> AddressRecords.sign(record(0, "tcp:h:1").build(), SECRET_KEY));
  }

  @Test
  void oversizedOrZeroFields_signedByHand_areRefusedWithTheirReason() throws Exception {
    String[] nine = new String[AddressRecords.MAX_ADDRESSES + 1];
    java.util.Arrays.fill(nine, "tcp:h:1");
    assertEquals(RecordException.Reason.TOO_LARGE, reason(record(1, nine).build()));
    assertEquals(RecordException.Reason.TOO_LARGE,
        reason(record(1, "tcp:" + "b".repeat(AddressRecords.MAX_ADDRESS_BYTES) + ":1").build()));
    assertEquals(RecordException.Reason.MALFORMED, reason(record(0, "tcp:h:1").build()));
    assertEquals(RecordException.Reason.MALFORMED, reason(record(1, "").build()));
    assertEquals(RecordException.Reason.MALFORMED, reason(record(1).setIssuedAtMs(0).build()));
    assertEquals(RecordException.Reason.TOO_LARGE, reason(record(1).addAddresses("x".repeat(2000)).build()));
  }

  /** Signs {@code r} without the signer's checks (as a broken or hostile peer would) and verifies it. */
  private static RecordException.Reason reason(AddressRecord r) {
    byte[] body = r.toByteArray();
    byte[] message = new byte[AddressRecords.DOMAIN.length + body.length];
    System.arraycopy(AddressRecords.DOMAIN, 0, message, 0, AddressRecords.DOMAIN.length);
    System.arraycopy(body, 0, message, AddressRecords.DOMAIN.length, body.length);
    byte[] sig = new byte[64];
    Sodium.raw().crypto_sign_detached(sig, null, message, message.length, SECRET_KEY);
    SignedAddressRecord s = SignedAddressRecord.newBuilder().setBody(ByteString.copyFrom(body))
        .setSignature(ByteString.copyFrom(sig)).build();
    return assertThrows(RecordException.class, () -> AddressRecords.verify(s)).reason();
  }
}
