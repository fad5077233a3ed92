package org.kith.protocol.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.kith.protocol.RandomInputs.assertOnlyThrows;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kith.protocol.RandomInputs;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;

/** Properties of the frame codec over seeded random inputs; a failure names its seed. */
class FrameCodecPropertiesTest {
  private static final List<FrameType> KNOWN_TYPES = knownTypes();
  private static final long[] EDGE_REQUEST_IDS = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE};

  static LongStream seeds2000() {
    return RandomInputs.seeds(2000);
  }

  static LongStream seeds500() {
    return RandomInputs.seeds(500);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds2000")
  void decode_randomBytes_onlyEverThrowsFrameException(long seed) {
    Random random = new Random(seed);
    byte[] bytes = RandomInputs.bytes(random, 0, 4096);
    assertOnlyThrows(seed, FrameException.class, () -> FrameVectorsTest.decodeSlices(bytes, random));
  }

  /** Random bytes behind a correct length prefix reach the protobuf parser rather than the prefix check. */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds2000")
  void decode_randomBodies_onlyEverThrowsFrameException(long seed) throws Exception {
    byte[] body = RandomInputs.bytes(new Random(seed), 1, 2048);
    byte[] prefixed = FrameVectorsTest.prefixed(body);
    assertOnlyThrows(seed, FrameException.class, () -> new FrameDecoder().feed(prefixed));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds500")
  void encodeDecode_roundTrips(long seed) {
    Random random = new Random(seed);
    FrameType type = KNOWN_TYPES.get(random.nextInt(KNOWN_TYPES.size()));
    long requestId = random.nextInt(4) == 0
        ? EDGE_REQUEST_IDS[random.nextInt(EDGE_REQUEST_IDS.length)]
        : random.nextLong();
    byte[] payload = RandomInputs.bytes(random, 0, 2048);
    RandomInputs.withSeed(seed, () -> {
      Frame frame = FrameCodec.frame(type, requestId, Hello.getDefaultInstance()).toBuilder()
          .setPayload(ByteString.copyFrom(payload)).build();
      byte[] one = FrameCodec.encode(frame);
      byte[] three = new byte[one.length * 3];
      for (int i = 0; i < 3; i++) {
        System.arraycopy(one, 0, three, i * one.length, one.length);
      }
      List<Frame> decoded = FrameVectorsTest.decodeSlices(three, random);
      assertEquals(List.of(frame, frame, frame), decoded);
    });
  }

  private static List<FrameType> knownTypes() {
    List<FrameType> known = new ArrayList<>();
    for (FrameType t : FrameType.values()) {
      if (t != FrameType.FRAME_TYPE_UNSPECIFIED && t != FrameType.UNRECOGNIZED) {
        known.add(t);
      }
    }
    return known;
  }
}
