package org.kith.protocol.boxstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class BoxStreamPropertiesTest {
  private static final byte[] KEY = BoxStreamTest.filled(32, 5);
  private static final byte[] NONCE = BoxStreamTest.filled(24, 6);

  /** Random bytes, in random slices: the decoder only ever throws BoxStreamException. */
  @Property(tries = 300)
  void decode_randomBytes_onlyThrowsBoxStreamException(@ForAll @Size(max = 300) byte[] junk,
      @ForAll long seed, @ForAll boolean callEnd) {
    BoxStreamDecoder dec = new BoxStreamDecoder(KEY, NONCE);
    try {
      for (byte[] slice : slices(junk, new Random(seed))) {
        dec.decode(slice);
      }
      if (callEnd) {
        dec.end();
      }
    } catch (BoxStreamException expected) {
      // the only failure allowed
    } finally {
      dec.close();
    }
  }

  /** Whatever was encoded decodes to the same bytes, however the wire is sliced. */
  @Property(tries = 200)
  void roundTrip_randomBodiesRandomChunking(@ForAll("bodies") List<byte[]> bodies, @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 2) int mode) throws Exception {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    try (BoxStreamEncoder enc = new BoxStreamEncoder(KEY, NONCE)) {
      for (byte[] b : bodies) {
        wire.writeBytes(enc.encode(b));
        sent.writeBytes(b);
      }
      wire.writeBytes(enc.goodbye());
    }
    byte[] all = wire.toByteArray();
    List<byte[]> chunks;
    if (mode == 0) {
      chunks = List.of(all);
    } else if (mode == 1) {
      chunks = new ArrayList<>();
      for (byte b : all) {
        chunks.add(new byte[] {b});
      }
    } else {
      chunks = slices(all, new Random(seed));
    }
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    try (BoxStreamDecoder dec = new BoxStreamDecoder(KEY, NONCE)) {
      for (byte[] c : chunks) {
        for (byte[] body : dec.decode(c)) {
          received.writeBytes(body);
        }
      }
      assertTrue(dec.isFinished());
      dec.end();
    }
    assertArrayEquals(sent.toByteArray(), received.toByteArray());
  }

  @Provide
  Arbitrary<List<byte[]>> bodies() {
    Arbitrary<byte[]> body = Arbitraries.integers().between(0, 9000)
        .edgeCases(c -> c.includeOnly(0, 1, 4095, 4096, 4097))
        .flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n));
    return body.list().ofMaxSize(5);
  }

  static List<byte[]> slices(byte[] all, Random random) {
    List<byte[]> out = new ArrayList<>();
    int off = 0;
    while (off < all.length) {
      int n = 1 + random.nextInt(Math.min(all.length - off, 5000));
      byte[] s = new byte[n];
      System.arraycopy(all, off, s, 0, n);
      out.add(s);
      off += n;
    }
    return out;
  }
}
