package org.kith.protocol.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.kith.protocol.RandomInputs.assertOnlyThrows;

import com.google.protobuf.ByteString;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kith.protocol.RandomInputs;
import org.kith.protocol.proto.SignedRecord;

/** Properties of the verifier over seeded random inputs; a failure names its seed. */
class RecordVerifierPropertiesTest {

  static LongStream seeds() {
    return RandomInputs.seeds(1000);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void verify_randomBytes_onlyEverThrowsRecordException(long seed) {
    Random random = new Random(seed);
    byte[] body = RandomInputs.bytes(random, 0, 2048);
    // A signature of the right length (64) gets as far as the Ed25519 check.
    byte[] signature = random.nextInt(4) == 0 ? RandomInputs.bytes(random, 64, 64) : RandomInputs.bytes(random, 0, 80);
    SignedRecord s = SignedRecord.newBuilder()
        .setBody(ByteString.copyFrom(body)).setSignature(ByteString.copyFrom(signature)).build();
    assertOnlyThrows(seed, RecordException.class, () -> RecordVerifier.verify(s, RecordFixtures.T0));
  }

  /**
   * Random bytes behind a valid author field, correctly signed: these get past the signature check and
   * exercise the parser and field rules, which must still only ever throw RecordException.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void verify_randomSignedBodies_onlyEverThrowsRecordException(long seed) {
    byte[] tail = RandomInputs.bytes(new Random(seed), 0, 2048);
    byte[] body = RecordVectorsTest.concat(
        RecordVectorsTest.concat(new byte[] {0x0a, 0x20}, RecordFixtures.PUBLIC_KEY), tail);
    SignedRecord s = SignedRecord.newBuilder().setBody(ByteString.copyFrom(body))
        .setSignature(ByteString.copyFrom(RecordVectorsTest.rawSign(body, true))).build();
    assertOnlyThrows(seed, RecordException.class, () -> {
      VerifiedRecord v = RecordVerifier.verify(s, RecordFixtures.T0);
      assertEquals(RecordId.of(s), v.id());
    });
  }
}
