package org.kith.protocol.boxstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kith.protocol.FuzzSupport;
import org.kith.sodium.Sodium;
import org.kith.protocol.boxstream.BoxStreamException.Reason;

/**
 * Fuzz targets for the box-stream decoder with a fixed key and starting nonce: every input ends in bodies, a
 * clean goodbye, or {@link BoxStreamException}.
 *
 * <p>Raw bytes almost never open a box, so the second target takes a script instead and seals it with a
 * sender written here against libsodium directly (not {@link BoxStreamEncoder}): valid boxes, headers whose
 * 18 plaintext bytes the fuzzer picks (any length field, any body MAC), goodbyes, and raw bytes spliced in.
 */
class BoxStreamDecoderFuzzTest {
  private static final byte[] KEY = filled(32, 0x4b);
  /** Close to wrapping in its last two bytes, so the carry of the nonce increment is exercised. */
  private static final byte[] NONCE = nonce();

  @FuzzTest
  void decode_anyBytes(byte[] data) {
    if (data.length == 0) {
      return;
    }
    byte[] stream = Arrays.copyOfRange(data, 1, data.length);
    Outcome whole = run(stream, List.of(stream.length));
    Outcome sliced = run(stream, FuzzSupport.slices(data[0] & 0xff, stream.length));
    assertEquals(whole.failure, sliced.failure, "slicing changed the failure");
    assertEquals(whole.bodies.size(), sliced.bodies.size(), "slicing changed the bodies");
  }

  @FuzzTest
  void decode_sealedScript(byte[] data) {
    if (data.length == 0) {
      return;
    }
    ByteBuffer in = ByteBuffer.wrap(data);
    int seed = in.get() & 0xff;
    Sender sender = new Sender();
    while (in.hasRemaining()) {
      switch (in.get() & 3) {
        case 0 -> {
          int len = 1 + u16(in) % BoxStream.MAX_BODY_BYTES;
          byte[] body = take(in, len);
          sender.box(body.length == 0 ? new byte[1] : body);
        }
        case 1 -> sender.header(Arrays.copyOf(take(in, BoxStream.HEADER_PLAIN_BYTES), BoxStream.HEADER_PLAIN_BYTES));
        case 2 -> sender.goodbye();
        default -> sender.raw(take(in, in.hasRemaining() ? in.get() & 0xff : 0));
      }
    }
    byte[] stream = sender.out.toByteArray();
    Outcome got = run(stream, FuzzSupport.slices(seed, stream.length));

    // Whatever was spliced in, no body the sender did not seal can come out, and none out of order.
    assertTrue(got.bodies.size() <= sender.sealed.size(), "more bodies than sealed");
    for (int i = 0; i < got.bodies.size(); i++) {
      assertArrayEquals(sender.sealed.get(i), got.bodies.get(i), "body " + i);
    }
    if (sender.tampered) {
      return;
    }
    assertEquals(sender.sealed.size(), got.bodies.size(), "a clean stream lost bodies");
    if (sender.afterGoodbye > 0) {
      assertEquals(Reason.DATA_AFTER_GOODBYE, got.failure);
    } else if (sender.goodbye) {
      assertEquals(null, got.failure);
      assertTrue(got.finished);
    } else {
      assertEquals(Reason.TRUNCATED, got.failure, "a stream without goodbye must end as truncated");
    }
  }

  private record Outcome(List<byte[]> bodies, Reason failure, boolean finished) {}

  private static Outcome run(byte[] stream, List<Integer> slices) {
    List<byte[]> bodies = new ArrayList<>();
    try (BoxStreamDecoder decoder = new BoxStreamDecoder(KEY, NONCE)) {
      int at = 0;
      try {
        for (int n : slices) {
          // The overload with a caller's list keeps the bodies that opened before a failure in the same chunk;
          // the one returning a list loses them with the exception, which would hide what came out.
          decoder.decode(stream, at, n, bodies);
          at += n;
        }
        boolean finished = decoder.isFinished();
        decoder.end();
        return new Outcome(bodies, null, finished);
      } catch (BoxStreamException e) {
        assertNotNull(e.reason());
        return new Outcome(bodies, e.reason(), decoder.isFinished());
      } finally {
        for (byte[] b : bodies) {
          assertTrue(b.length >= 1 && b.length <= BoxStream.MAX_BODY_BYTES, "body of " + b.length + " bytes");
        }
      }
    }
  }

  /** The sending side of box-stream, from the spec (section 4.2) and libsodium, nonce by nonce. */
  private static final class Sender {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final List<byte[]> sealed = new ArrayList<>();
    final byte[] nonce = NONCE.clone();
    boolean tampered;
    boolean goodbye;
    int afterGoodbye;

    void box(byte[] body) {
      byte[] bodyNonce = nonce.clone();
      increment(bodyNonce);
      byte[] cipher = new byte[body.length];
      byte[] plainHeader = new byte[BoxStream.HEADER_PLAIN_BYTES];
      byte[] mac = new byte[BoxStream.MAC_BYTES];
      Sodium.raw().crypto_secretbox_detached(cipher, mac, body, body.length, bodyNonce, KEY);
      plainHeader[0] = (byte) (body.length >>> 8);
      plainHeader[1] = (byte) body.length;
      System.arraycopy(mac, 0, plainHeader, 2, mac.length);
      writeHeader(plainHeader);
      write(cipher);
      increment(nonce);
      increment(nonce);
      if (!tampered && !goodbye) {
        sealed.add(body);
      }
    }

    /** A header with plaintext the fuzzer chose; the next box starts two nonces on, as after a real box. */
    void header(byte[] plain) {
      tampered = true;
      writeHeader(plain);
      increment(nonce);
      increment(nonce);
    }

    void goodbye() {
      writeHeader(new byte[BoxStream.HEADER_PLAIN_BYTES]);
      goodbye = true;
    }

    void raw(byte[] bytes) {
      if (bytes.length > 0) {
        tampered = true;
      }
      write(bytes);
    }

    private void writeHeader(byte[] plain) {
      byte[] box = new byte[BoxStream.HEADER_BYTES];
      Sodium.raw().crypto_secretbox_easy(box, plain, plain.length, nonce, KEY);
      write(box);
    }

    private void write(byte[] bytes) {
      if (goodbye) {
        afterGoodbye += bytes.length;
      }
      out.writeBytes(bytes);
    }
  }

  private static void increment(byte[] nonce) {
    for (int i = nonce.length - 1; i >= 0; i--) {
      if (++nonce[i] != 0) {
        return;
      }
    }
  }

  private static int u16(ByteBuffer in) {
    int hi = in.hasRemaining() ? in.get() & 0xff : 0;
    int lo = in.hasRemaining() ? in.get() & 0xff : 0;
    return (hi << 8) | lo;
  }

  private static byte[] take(ByteBuffer in, int n) {
    byte[] b = new byte[Math.min(n, in.remaining())];
    in.get(b);
    return b;
  }

  private static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  private static byte[] nonce() {
    byte[] n = new byte[BoxStream.NONCE_BYTES];
    for (int i = 0; i < n.length; i++) {
      n[i] = (byte) i;
    }
    n[n.length - 2] = (byte) 0xff;
    n[n.length - 1] = (byte) 0xfd;
    return n;
  }

  @Test
  void seeds_areCommitted() throws Exception {
    Map<String, byte[]> raw = new LinkedHashMap<>();
    try (BoxStreamEncoder enc = new BoxStreamEncoder(KEY, NONCE)) {
      byte[] one = enc.encode("hello".getBytes(StandardCharsets.US_ASCII));
      byte[] big = enc.encode(filled(BoxStream.MAX_BODY_BYTES + 1, 0x62));
      byte[] bye = enc.goodbye();
      raw.put("valid-two-bodies-goodbye-whole", concat(new byte[] {0}, one, big, bye));
      raw.put("valid-two-bodies-goodbye-sliced", concat(new byte[] {5}, one, big, bye));
      raw.put("edge-data-after-goodbye", concat(new byte[] {0}, one, big, bye, new byte[] {1}));
      raw.put("edge-header-cut", concat(new byte[] {0}, Arrays.copyOf(one, BoxStream.HEADER_BYTES - 1)));
      raw.put("edge-body-cut", concat(new byte[] {0}, Arrays.copyOf(one, one.length - 1)));
      byte[] flipped = concat(new byte[] {0}, one);
      flipped[1 + BoxStream.HEADER_BYTES] ^= 1;
      raw.put("edge-body-flipped", flipped);
    }
    raw.put("edge-1byte", new byte[] {0});
    raw.put("edge-zero-header", new byte[1 + BoxStream.HEADER_BYTES]);
    FuzzSupport.checkSeeds(getClass(), "decode_anyBytes", raw);

    Map<String, byte[]> script = new LinkedHashMap<>();
    // op 0: box of 1 + u16 % 4096 bytes taken from what follows; op 1: header plaintext; 2: goodbye; 3: raw.
    script.put("valid-box-goodbye",
        concat(new byte[] {0, 0, 0, 4}, "hello".getBytes(StandardCharsets.US_ASCII), new byte[] {2}));
    script.put("valid-max-box-goodbye-sliced", concat(new byte[] {7, 0, 0x0f, (byte) 0xff},
        filled(BoxStream.MAX_BODY_BYTES, 0x61), new byte[] {2}));
    script.put("edge-length-max-plus-1", concat(new byte[] {0, 1, 0x10, 0x01}, filled(16, 0), new byte[] {2}));
    script.put("edge-length-zero-with-mac", concat(new byte[] {0, 1, 0, 0}, filled(16, 1)));
    script.put("edge-box-after-goodbye", new byte[] {0, 2, 0, 0, 0, 'x'});
    script.put("edge-raw-byte", new byte[] {0, 0, 0, 0, 'x', 3, 1, 0x55});
    script.put("edge-no-goodbye", new byte[] {0, 0, 0, 0, 'x'});
    FuzzSupport.checkSeeds(getClass(), "decode_sealedScript", script);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
