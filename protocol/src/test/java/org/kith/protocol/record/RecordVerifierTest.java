package org.kith.protocol.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.kith.protocol.record.RecordFixtures.DAY_MS;
import static org.kith.protocol.record.RecordFixtures.SECRET_KEY;
import static org.kith.protocol.record.RecordFixtures.T0;

import com.google.protobuf.ByteString;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.NoteContent;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.SignedRecord;
import org.kith.sodium.Sodium;

class RecordVerifierTest {
  static final long NOW = T0 + DAY_MS;
  static final Record NOTE = RecordFixtures.note("Bread", "Sourdough starter to share.").build();

  @Test
  void signThenVerify_roundTrips() throws Exception {
    SignedRecord s = RecordSigner.sign(NOTE, SECRET_KEY);
    VerifiedRecord v = RecordVerifier.verify(s, NOW);
    assertEquals(NOTE, v.record());
    assertEquals(RecordKind.NOTE, v.kind());
    assertEquals("Bread", v.content(NoteContent.class).getTitle());
    assertEquals(RecordId.of(s), v.id());
    assertEquals(s, v.signed());
  }

  @Test
  void verify_neverReserializes_unknownFieldsStaySigned() throws Exception {
    // A future field (number 9) the v1 parser does not know: the signature covers it, and verifying must
    // neither drop it nor fail on it.
    byte[] body = RecordVectorsTest.concat(NOTE.toByteArray(), new byte[] {0x48, 0x07});
    SignedRecord s = SignedRecord.newBuilder().setBody(ByteString.copyFrom(body))
        .setSignature(ByteString.copyFrom(RecordVectorsTest.rawSign(body, true))).build();
    VerifiedRecord v = RecordVerifier.verify(s, NOW);
    assertArrayEquals(body, v.signed().getBody().toByteArray());
    assertNotEquals(RecordId.of(RecordSigner.sign(NOTE, SECRET_KEY)), v.id());
  }

  @Test
  void everyBitFlip_isRefused() throws Exception {
    SignedRecord s = RecordSigner.sign(NOTE, SECRET_KEY);
    byte[] body = s.getBody().toByteArray();
    byte[] sig = s.getSignature().toByteArray();
    Set<RecordException.Reason> allowed =
        EnumSet.of(RecordException.Reason.BAD_SIGNATURE, RecordException.Reason.MALFORMED);
    for (int bit = 0; bit < body.length * 8; bit++) {
      byte[] b = body.clone();
      b[bit / 8] ^= (byte) (1 << (bit % 8));
      expectRefused(b, sig, allowed, "body bit " + bit);
    }
    for (int bit = 0; bit < sig.length * 8; bit++) {
      byte[] g = sig.clone();
      g[bit / 8] ^= (byte) (1 << (bit % 8));
      expectRefused(body, g, EnumSet.of(RecordException.Reason.BAD_SIGNATURE), "signature bit " + bit);
    }
  }

  @Test
  void everyTruncation_isRefused() throws Exception {
    SignedRecord s = RecordSigner.sign(NOTE, SECRET_KEY);
    byte[] body = s.getBody().toByteArray();
    byte[] sig = s.getSignature().toByteArray();
    Set<RecordException.Reason> allowed =
        EnumSet.of(RecordException.Reason.BAD_SIGNATURE, RecordException.Reason.MALFORMED);
    for (int n = 0; n < body.length; n++) {
      expectRefused(java.util.Arrays.copyOf(body, n), sig, allowed, "body truncated to " + n);
    }
    for (int n = 0; n < sig.length; n++) {
      expectRefused(body, java.util.Arrays.copyOf(sig, n), EnumSet.of(RecordException.Reason.MALFORMED),
          "signature truncated to " + n);
    }
  }

  private static void expectRefused(byte[] body, byte[] sig, Set<RecordException.Reason> allowed, String what) {
    SignedRecord s = SignedRecord.newBuilder()
        .setBody(ByteString.copyFrom(body)).setSignature(ByteString.copyFrom(sig)).build();
    try {
      RecordVerifier.verify(s, NOW);
      fail(what + " verified");
    } catch (RecordException e) {
      assertTrue(allowed.contains(e.reason()), what + ": " + e.getMessage());
    }
  }

  @Test
  void expiry_boundaries() throws Exception {
    SignedRecord s = RecordSigner.sign(NOTE, SECRET_KEY);
    long expires = NOTE.getExpiresAtMs();
    RecordVerifier.verify(s, expires - 1);
    assertEquals(RecordException.Reason.EXPIRED, reason(s, expires));
    assertEquals(RecordException.Reason.EXPIRED, reason(s, expires + DAY_MS));
  }

  @Test
  void futureDated_beyondSkew_isNotYetValid() throws Exception {
    SignedRecord s = RecordSigner.sign(NOTE, SECRET_KEY);
    RecordVerifier.verify(s, T0 - Limits.MAX_CLOCK_SKEW_MS);
    assertEquals(RecordException.Reason.NOT_YET_VALID, reason(s, T0 - Limits.MAX_CLOCK_SKEW_MS - 1));
  }

  @Test
  void fieldRules_giveTypedReasons() throws Exception {
    assertEquals(RecordException.Reason.UNKNOWN_KIND, reasonOfRaw(NOTE.toBuilder().setKindValue(6)));
    assertEquals(RecordException.Reason.UNKNOWN_KIND,
        reasonOfRaw(NOTE.toBuilder().setKind(RecordKind.RECORD_KIND_UNSPECIFIED)));
    assertEquals(RecordException.Reason.BAD_REACH, reasonOfRaw(NOTE.toBuilder().setReach(0)));
    assertEquals(RecordException.Reason.BAD_REACH, reasonOfRaw(NOTE.toBuilder().setReach(3)));
    assertEquals(RecordException.Reason.MALFORMED, reasonOfRaw(NOTE.toBuilder().setSeq(0)));
    assertEquals(RecordException.Reason.MALFORMED, reasonOfRaw(NOTE.toBuilder().setAudience("")));
    assertEquals(RecordException.Reason.MALFORMED, reasonOfRaw(NOTE.toBuilder().setAudience("x".repeat(65))));
    assertEquals(RecordException.Reason.BAD_LIFETIME, reasonOfRaw(NOTE.toBuilder().setExpiresAtMs(T0 - 1)));
    assertEquals(RecordException.Reason.BAD_LIFETIME,
        reasonOfRaw(NOTE.toBuilder().setExpiresAtMs(T0 + Limits.MAX_RECORD_LIFETIME_MS + 1)));
    assertEquals(RecordException.Reason.MALFORMED,
        reasonOfRaw(NOTE.toBuilder().setContent(ByteString.copyFrom(new byte[] {(byte) 0xff}))));
    assertEquals(RecordException.Reason.MALFORMED, reasonOfRaw(NOTE.toBuilder().setContent(
        NoteContent.newBuilder().setTitle("t".repeat(257)).build().toByteString())));
    assertEquals(RecordException.Reason.TOO_LARGE, reasonOfRaw(NOTE.toBuilder()
        .setContent(ByteString.copyFrom(new byte[Limits.MAX_CONTENT_BYTES + 1]))));
  }

  @Test
  void bodyAtMaxRecordBytes_passesSizeCheck_andOneMoreIsTooLarge() throws Exception {
    byte[] sig = new byte[64];
    SignedRecord atMax = SignedRecord.newBuilder()
        .setBody(ByteString.copyFrom(sizedBody(Limits.MAX_RECORD_BYTES))).setSignature(ByteString.copyFrom(sig))
        .build();
    assertEquals(RecordException.Reason.BAD_SIGNATURE, reason(atMax, NOW));
    SignedRecord over = SignedRecord.newBuilder()
        .setBody(ByteString.copyFrom(sizedBody(Limits.MAX_RECORD_BYTES + 1))).setSignature(ByteString.copyFrom(sig))
        .build();
    assertEquals(RecordException.Reason.TOO_LARGE, reason(over, NOW));
  }

  private static byte[] sizedBody(int n) {
    byte[] b = new byte[n];
    b[0] = 0x0A;
    b[1] = 0x20;
    return b;
  }

  @Test
  void wrongAuthorKey_isBadSignature() throws Exception {
    byte[] pk = new byte[32];
    byte[] other = new byte[64];
    Sodium.raw().crypto_sign_seed_keypair(pk, other, RecordFixtures.filled(32, 0x02));
    byte[] body = NOTE.toByteArray();
    byte[] msg = RecordVerifier.signedMessage(body);
    byte[] sig = new byte[64];
    Sodium.raw().crypto_sign_detached(sig, null, msg, msg.length, other);
    SignedRecord s = SignedRecord.newBuilder()
        .setBody(ByteString.copyFrom(body)).setSignature(ByteString.copyFrom(sig)).build();
    assertEquals(RecordException.Reason.BAD_SIGNATURE, reason(s, NOW));
  }

  @Test
  void signer_refusesAnotherKeyAndInvalidRecords() {
    byte[] pk = new byte[32];
    byte[] other = new byte[64];
    Sodium.raw().crypto_sign_seed_keypair(pk, other, RecordFixtures.filled(32, 0x02));
    assertThrows(IllegalArgumentException.class, () -> RecordSigner.sign(NOTE, other));
    assertThrows(IllegalArgumentException.class, () -> RecordSigner.sign(NOTE.toBuilder().setReach(5).build(),
        SECRET_KEY));
    assertThrows(IllegalArgumentException.class, () -> RecordSigner.sign(NOTE, new byte[32]));
  }

  @Test
  void recordId_isStableAndIndependentOfSignatureBytes() throws Exception {
    SignedRecord a = RecordSigner.sign(NOTE, SECRET_KEY);
    SignedRecord b = RecordSigner.sign(NOTE, SECRET_KEY);
    assertEquals(RecordId.of(a), RecordId.of(b));
    SignedRecord otherSig = a.toBuilder().setSignature(ByteString.copyFrom(new byte[64])).build();
    assertEquals(RecordId.of(a), RecordId.of(otherSig));
    SignedRecord next = RecordSigner.sign(NOTE.toBuilder().setSeq(2).build(), SECRET_KEY);
    assertNotEquals(RecordId.of(a), RecordId.of(next));
    assertEquals(RecordId.of(a), RecordId.fromBytes(RecordId.of(a).bytes()));
    assertEquals(64, RecordId.of(a).hex().length());
  }

  private static RecordException.Reason reason(SignedRecord s, long now) {
    return assertThrows(RecordException.class, () -> RecordVerifier.verify(s, now)).reason();
  }

  /** Signs bytes the signer would refuse, as a peer could. */
  private static RecordException.Reason reasonOfRaw(Record.Builder r) {
    byte[] body = r.build().toByteArray();
    SignedRecord s = SignedRecord.newBuilder().setBody(ByteString.copyFrom(body))
        .setSignature(ByteString.copyFrom(RecordVectorsTest.rawSign(body, true))).build();
    return reason(s, NOW);
  }
}
