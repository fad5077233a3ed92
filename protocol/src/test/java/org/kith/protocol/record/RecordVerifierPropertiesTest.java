package org.kith.protocol.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.kith.protocol.proto.SignedRecord;

/** jqwik properties of the verifier. */
class RecordVerifierPropertiesTest {

  @Property(tries = 1000)
  void verify_randomBytes_onlyEverThrowsRecordException(@ForAll @Size(max = 2048) byte[] body,
      @ForAll @Size(max = 80) byte[] signature) {
    SignedRecord s = SignedRecord.newBuilder()
        .setBody(ByteString.copyFrom(body)).setSignature(ByteString.copyFrom(signature)).build();
    try {
      RecordVerifier.verify(s, RecordFixtures.T0);
    } catch (RecordException expected) {
      // the only failure allowed
    }
  }

  /**
   * Random bytes behind a valid author field, correctly signed: these get past the signature check and
   * exercise the parser and field rules, which must still only ever throw RecordException.
   */
  @Property(tries = 1000)
  void verify_randomSignedBodies_onlyEverThrowsRecordException(@ForAll @Size(max = 2048) byte[] tail) {
    byte[] body = RecordVectorsTest.concat(
        RecordVectorsTest.concat(new byte[] {0x0a, 0x20}, RecordFixtures.PUBLIC_KEY), tail);
    SignedRecord s = SignedRecord.newBuilder().setBody(ByteString.copyFrom(body))
        .setSignature(ByteString.copyFrom(RecordVectorsTest.rawSign(body, true))).build();
    try {
      VerifiedRecord v = RecordVerifier.verify(s, RecordFixtures.T0);
      assertEquals(RecordId.of(s), v.id());
    } catch (RecordException expected) {
      // the only failure allowed
    }
  }
}
