package org.kith.protocol.boxstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kith.protocol.RandomInputs.assertOnlyThrows;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kith.protocol.RandomInputs;

/** Properties of box-stream over seeded random inputs; a failure names its seed. */
class BoxStreamPropertiesTest {
  private static final byte[] KEY = BoxStreamTest.filled(32, 5);
  private static final byte[] NONCE = BoxStreamTest.filled(24, 6);

  static LongStream seeds300() {
    return RandomInputs.seeds(300);
  }

  static LongStream seeds200() {
    return RandomInputs.seeds(200);
  }

  /** Random bytes, in random slices: the decoder only ever throws BoxStreamException. */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds300")
  void decode_randomBytes_onlyThrowsBoxStreamException(long seed) {
    Random random = new Random(seed);
    byte[] junk = RandomInputs.bytes(random, 0, 300);
    boolean callEnd = seed % 2 == 0;
    BoxStreamDecoder dec = new BoxStreamDecoder(KEY, NONCE);
    try {
      assertOnlyThrows(seed, BoxStreamException.class, () -> {
        for (byte[] slice : slices(junk, random)) {
          dec.decode(slice);
        }
        if (callEnd) {
          dec.end();
        }
      });
    } finally {
      dec.close();
    }
  }

  /**
   * Whatever was encoded decodes to the same bytes, however the wire is sliced: whole, one byte at a time, or
   * in random slices, by seed modulo 3.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds200")
  void roundTrip_randomBodiesRandomChunking(long seed) {
    Random random = new Random(seed);
    List<byte[]> bodies = bodies(random);
    int mode = (int) (seed % 3);
    RandomInputs.withSeed(seed, () -> {
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
        chunks = slices(all, random);
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
    });
  }

  /** Up to five bodies of 0 to 9000 bytes, often at the 4096-byte boundary of a box. */
  private static List<byte[]> bodies(Random random) {
    int count = random.nextInt(6);
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] body = new byte[RandomInputs.intWithEdges(random, 0, 9000, 0, 1, 4095, 4096, 4097)];
      random.nextBytes(body);
      bodies.add(body);
    }
    return bodies;
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
