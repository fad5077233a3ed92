package org.kith.protocol.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;

/** jqwik properties; the name ends in Test so surefire runs it by default. */
class FrameCodecPropertiesTest {

  @Property(tries = 2000)
  void decode_randomBytes_onlyEverThrowsFrameException(@ForAll @Size(max = 4096) byte[] bytes,
      @ForAll long seed) {
    try {
      FrameVectorsTest.decodeSlices(bytes, new Random(seed));
    } catch (FrameException expected) {
      // the only failure allowed
    }
  }

  /** Random bytes behind a correct length prefix reach the protobuf parser rather than the prefix check. */
  @Property(tries = 2000)
  void decode_randomBodies_onlyEverThrowsFrameException(@ForAll @Size(min = 1, max = 2048) byte[] body)
      throws Exception {
    try {
      new FrameDecoder().feed(FrameVectorsTest.prefixed(body));
    } catch (FrameException expected) {
      // the only failure allowed
    }
  }

  @Property(tries = 500)
  void encodeDecode_roundTrips(@ForAll("types") FrameType type, @ForAll long requestId,
      @ForAll @Size(max = 2048) byte[] payload, @ForAll long seed) throws Exception {
    Frame frame = FrameCodec.frame(type, requestId, Hello.getDefaultInstance()).toBuilder()
        .setPayload(ByteString.copyFrom(payload)).build();
    byte[] one = FrameCodec.encode(frame);
    byte[] three = new byte[one.length * 3];
    for (int i = 0; i < 3; i++) {
      System.arraycopy(one, 0, three, i * one.length, one.length);
    }
    List<Frame> decoded = FrameVectorsTest.decodeSlices(three, new Random(seed));
    assertEquals(List.of(frame, frame, frame), decoded);
  }

  @Provide
  Arbitrary<FrameType> types() {
    List<FrameType> known = new ArrayList<>();
    for (FrameType t : FrameType.values()) {
      if (t != FrameType.FRAME_TYPE_UNSPECIFIED && t != FrameType.UNRECOGNIZED) {
        known.add(t);
      }
    }
    return Arbitraries.of(known);
  }
}
