package org.kith.protocol.boxstream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kith.protocol.boxstream.BoxStreamException.Reason;
import org.kith.sodium.Sodium;

class BoxStreamTest {
  private static final byte[] KEY = filled(32, 9);
  private static final byte[] NONCE = filled(24, 0xff); // about to wrap: the increment must carry

  @ParameterizedTest
  @ValueSource(ints = {1, 4095, 4096, 4097, 8192, 8193, 20000})
  void encode_bodySizesAroundMax_splitsAt4096AndRoundTrips(int size) throws Exception {
    byte[] body = pattern(size);
    BoxStreamEncoder enc = new BoxStreamEncoder(KEY, NONCE);
    byte[] wire = enc.encode(body);
    assertEquals(BoxStream.encodedLength(size), wire.length);
    BoxStreamDecoder dec = new BoxStreamDecoder(KEY, NONCE);
    List<byte[]> out = dec.decode(wire);
    assertEquals((size + 4095) / 4096, out.size());
    for (int i = 0; i < out.size() - 1; i++) {
      assertEquals(4096, out.get(i).length);
    }
    assertArrayEquals(body, concat(out));
    assertFalse(dec.isFinished());
    assertTrue(dec.decode(enc.goodbye()).isEmpty());
    assertTrue(dec.isFinished());
    dec.end();
  }

  @Test
  void decode_streamEndsWithoutGoodbye_isTruncated() throws Exception {
    BoxStreamEncoder enc = new BoxStreamEncoder(KEY, NONCE);
    byte[] wire = enc.encode(pattern(100));
    for (int cut = 0; cut <= wire.length; cut++) {
      BoxStreamDecoder dec = new BoxStreamDecoder(KEY, NONCE);
      dec.decode(Arrays.copyOf(wire, cut));
      BoxStreamException e = assertThrows(BoxStreamException.class, dec::end);
      assertEquals(Reason.TRUNCATED, e.reason());
    }
  }

  @Test
  void decode_goodbyeCutShort_isTruncated() throws Exception {
    byte[] bye = new BoxStreamEncoder(KEY, NONCE).goodbye();
    BoxStreamDecoder dec = new BoxStreamDecoder(KEY, NONCE);
    dec.decode(Arrays.copyOf(bye, 33));
    assertEquals(Reason.TRUNCATED, assertThrows(BoxStreamException.class, dec::end).reason());
  }

  @Test
  void decode_bytesAfterGoodbye_rejected() throws Exception {
    byte[] bye = new BoxStreamEncoder(KEY, NONCE).goodbye();
    BoxStreamDecoder dec = new BoxStreamDecoder(KEY, NONCE);
    byte[] withExtra = Arrays.copyOf(bye, 35);
    assertEquals(Reason.DATA_AFTER_GOODBYE,
        assertThrows(BoxStreamException.class, () -> dec.decode(withExtra)).reason());
  }

  @Test
  void decode_anyBitFlipped_rejectedWithTypedReason() throws Exception {
    BoxStreamEncoder enc = new BoxStreamEncoder(KEY, NONCE);
    byte[] wire = concat(List.of(enc.encode(pattern(40)), enc.goodbye()));
    for (int bit = 0; bit < 8 * wire.length; bit++) {
      byte[] bad = wire.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      BoxStreamDecoder dec = new BoxStreamDecoder(KEY, NONCE);
      BoxStreamException e = assertThrows(BoxStreamException.class, () -> {
        dec.decode(bad);
        dec.end();
      });
      assertTrue(e.reason() == Reason.HEADER_INVALID || e.reason() == Reason.BODY_INVALID, e.getMessage());
    }
  }

  @Test
  void decode_boxesSwapped_rejected() throws Exception {
    BoxStreamEncoder enc = new BoxStreamEncoder(KEY, NONCE);
    byte[] first = enc.encode(pattern(10));
    byte[] second = enc.encode(pattern(10));
    BoxStreamDecoder dec = new BoxStreamDecoder(KEY, NONCE);
    assertEquals(Reason.HEADER_INVALID,
        assertThrows(BoxStreamException.class, () -> dec.decode(second)).reason());
    assertThrows(BoxStreamException.class, () -> dec.decode(first)); // a failure is final
  }

  @Test
  void decode_headerClaimingTooLong_rejected() throws Exception {
    // A header a peer with the key could forge: length 4097, which the reference would accept.
    byte[] plain = new byte[18];
    plain[0] = 0x10;
    plain[1] = 0x01;
    byte[] box = new byte[34];
    Sodium.raw().crypto_secretbox_easy(box, plain, 18, NONCE, KEY);
    BoxStreamDecoder dec = new BoxStreamDecoder(KEY, NONCE);
    assertEquals(Reason.LENGTH_INVALID, assertThrows(BoxStreamException.class, () -> dec.decode(box)).reason());
  }

  @Test
  void decode_byteBuffer_consumesRemaining() throws Exception {
    BoxStreamEncoder enc = new BoxStreamEncoder(KEY, NONCE);
    byte[] wire = enc.encode(pattern(300));
    ByteBuffer heap = ByteBuffer.allocate(wire.length + 4);
    heap.position(2);
    heap.put(wire);
    heap.flip().position(2);
    BoxStreamDecoder dec = new BoxStreamDecoder(KEY, NONCE);
    assertArrayEquals(pattern(300), concat(dec.decode(heap)));
    assertEquals(0, heap.remaining());
    ByteBuffer direct = ByteBuffer.allocateDirect(34).put(enc.goodbye()).flip();
    dec.decode(direct);
    assertTrue(dec.isFinished());
  }

  @Test
  void encoder_afterGoodbye_refuses() {
    BoxStreamEncoder enc = new BoxStreamEncoder(KEY, NONCE);
    enc.goodbye();
    assertThrows(IllegalStateException.class, () -> enc.encode(new byte[1]));
    assertThrows(IllegalStateException.class, enc::goodbye);
    enc.close();
    enc.close();
  }

  static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 7 + 3);
    }
    return b;
  }

  static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  static byte[] concat(List<byte[]> parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int off = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, off, p.length);
      off += p.length;
    }
    return out;
  }
}
