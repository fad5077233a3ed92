package org.kith.protocol.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kith.protocol.FuzzSupport;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameHeader;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;

/**
 * Fuzz targets for the frame layer (spec/PROTOCOL.md section 5.2): whatever a peer sends, the decoder returns
 * well-formed frames or throws {@link FrameException}; anything else escaping is a finding. The first input
 * byte chooses how the rest is sliced, and the sliced run must agree with feeding everything at once.
 */
class FrameDecoderFuzzTest {

  @FuzzTest
  void feed_anyBytesAnySlices(byte[] data) {
    if (data.length == 0) {
      return;
    }
    int seed = data[0] & 0xff;
    byte[] stream = Arrays.copyOfRange(data, 1, data.length);
    Outcome whole = run(stream, List.of(stream.length));
    Outcome sliced = run(stream, FuzzSupport.slices(seed, stream.length));
    assertEquals(whole.failure, sliced.failure, "slicing changed the failure");
    if (whole.failure == null) {
      assertEquals(whole.frames, sliced.frames, "slicing changed the frames decoded");
    }
  }

  @FuzzTest
  void decodeBody_anyBytes(byte[] body) {
    try {
      checkFrame(FrameCodec.decodeBody(body, 0, body.length));
    } catch (FrameException expected) {
      assertNotNull(expected.code());
    }
  }

  private record Outcome(List<Frame> frames, FrameException.Code failure) {}

  private static Outcome run(byte[] stream, List<Integer> slices) {
    FrameDecoder decoder = new FrameDecoder();
    List<Frame> frames = new ArrayList<>();
    int at = 0;
    try {
      for (int n : slices) {
        List<Frame> got = decoder.feed(stream, at, n);
        at += n;
        for (Frame f : got) {
          checkFrame(f);
        }
        frames.addAll(got);
        assertTrue(decoder.buffered() <= MAX_PREFIX_BYTES + Limits.MAX_FRAME_BYTES, "buffers past the limit");
      }
      decoder.finish();
      return new Outcome(frames, null);
    } catch (FrameException e) {
      return new Outcome(frames, e.code());
    }
  }

  private static final int MAX_PREFIX_BYTES = 5;

  /** What step 4 of section 5.2 promises about every frame it lets through. */
  private static void checkFrame(Frame f) {
    assertTrue(f.hasHeader(), "frame without header");
    assertEquals(Limits.PROTOCOL_VERSION, f.getHeader().getVersion());
    FrameType type = FrameType.forNumber(f.getHeader().getTypeValue());
    assertNotNull(type, "unknown type let through");
    assertNotEquals(FrameType.FRAME_TYPE_UNSPECIFIED, type);
    assertTrue(f.getSerializedSize() <= Limits.MAX_FRAME_BYTES);
  }

  @Test
  void seeds_areCommitted() throws Exception {
    Map<String, byte[]> stream = new LinkedHashMap<>();
    Map<String, byte[]> body = new LinkedHashMap<>();
    byte[] ping = FrameCodec.encode(FrameCodec.frame(FrameType.PING, 7, Hello.getDefaultInstance()));
    byte[] hello = FrameCodec.encode(FrameCodec.frame(FrameType.HELLO, 0,
        Hello.newBuilder().setProtocolVersion(1).addCapabilities("sync-hint").setName("ada").build()));
    stream.put("valid-ping-whole", concat(new byte[] {0}, ping));
    stream.put("valid-hello-then-ping-sliced", concat(new byte[] {3}, hello, ping));
    stream.put("edge-1byte", new byte[] {0});
    // MAX_FRAME_BYTES + 1 = 0x40001: refused on the third prefix byte, before any allocation.
    stream.put("edge-length-max-plus-1", new byte[] {0, (byte) 0x81, (byte) 0x80, 0x10});
    // MAX_FRAME_BYTES exactly, followed by nothing: the stream ends inside the frame.
    stream.put("edge-length-max-truncated", new byte[] {0, (byte) 0x80, (byte) 0x80, 0x10});
    stream.put("edge-length-non-minimal", new byte[] {0, (byte) 0x81, 0x00});
    stream.put("edge-length-6-bytes", new byte[] {0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
        (byte) 0x80, 0x00});
    stream.put("edge-length-zero", new byte[] {0, 0});
    stream.put("edge-truncated-frame", Arrays.copyOf(concat(new byte[] {1}, hello), hello.length - 2));
    FuzzSupport.checkSeeds(getClass(), "feed_anyBytesAnySlices", stream);

    body.put("valid-ping", Arrays.copyOfRange(ping, 1, ping.length));
    body.put("valid-hello", Arrays.copyOfRange(hello, 1, hello.length));
    body.put("edge-1byte", new byte[] {0x0a});
    body.put("edge-version-2", Frame.newBuilder()
        .setHeader(FrameHeader.newBuilder().setVersion(2).setTypeValue(10)).build().toByteArray());
    body.put("edge-type-13", Frame.newBuilder()
        .setHeader(FrameHeader.newBuilder().setVersion(1).setTypeValue(13)).build().toByteArray());
    body.put("edge-no-header", Frame.newBuilder().setPayload(Hello.getDefaultInstance().toByteString())
        .build().toByteArray());
    FuzzSupport.checkSeeds(getClass(), "decodeBody_anyBytes", body);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
