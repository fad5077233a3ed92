package org.kith.protocol.boxstream;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.protocol.handshake.Session;

/**
 * Encrypts outgoing data into box-stream. Pure: returns the bytes to write. Not thread-safe; one per
 * connection direction. After {@link #goodbye()} nothing more can be encoded. Holds native memory (the key
 * and a 4 KiB working buffer): {@link #close()} wipes and frees it.
 */
public final class BoxStreamEncoder implements AutoCloseable {
  // One native buffer: [key 32 | header nonce 24 | body nonce 24 | len 2 | body MAC 16 | header box 34 | body].
  // Nonces and length are contiguous, so they go in with one write; the plaintext header (len || MAC) is
  // contiguous, so the body's MAC lands in it directly; the header box sits right before the body, so a box
  // leaves native memory in one read.
  private static final int KEY = 0;
  private static final int NONCES = KEY + BoxStream.KEY_BYTES;
  private static final int HEADER = NONCES + 2 * BoxStream.NONCE_BYTES;
  private static final int MAC = HEADER + 2;
  private static final int HEADER_BOX = HEADER + BoxStream.HEADER_PLAIN_BYTES;
  private static final int BODY = HEADER_BOX + BoxStream.HEADER_BYTES;
  private static final int SIZE = BODY + BoxStream.MAX_BODY_BYTES;

  private final Memory memory = new Memory(SIZE);
  private final Pointer nonce = memory.share(NONCES);
  private final Pointer bodyNonce = memory.share(NONCES + BoxStream.NONCE_BYTES);
  private final Pointer key = memory.share(KEY);
  private final Pointer header = memory.share(HEADER);
  private final Pointer mac = memory.share(MAC);
  private final Pointer headerBox = memory.share(HEADER_BOX);
  private final Pointer body = memory.share(BODY);
  /** The header nonce, the body nonce and the body length, kept in Java and written with each box. */
  private final byte[] nonces = new byte[2 * BoxStream.NONCE_BYTES + 2];
  private final AtomicBoolean closed = new AtomicBoolean();
  private boolean finished;

  /** Encrypts with the session's encrypt key and nonce. */
  public BoxStreamEncoder(Session session) {
    this(session.encryptKey(), session.encryptNonce());
  }

  /** With an explicit 32-byte key and 24-byte starting nonce (copied). */
  public BoxStreamEncoder(byte[] key, byte[] nonce) {
    BoxStream.check(key, nonce);
    memory.clear();
    memory.write(KEY, key, 0, key.length);
    System.arraycopy(nonce, 0, nonces, 0, BoxStream.NONCE_BYTES);
  }

  /** Encrypts {@code data}, split into boxes of at most 4096 bytes; an empty array gives no bytes. */
  public byte[] encode(byte[] data) {
    return encode(data, 0, data.length);
  }

  public byte[] encode(byte[] data, int offset, int length) {
    checkRange(data, offset, length);
    byte[] out = new byte[Math.toIntExact(BoxStream.encodedLength(length))];
    encodeInto(data, offset, length, out, 0);
    return out;
  }

  /**
   * Encrypts into {@code out} at {@code outOffset}, which needs {@link BoxStream#encodedLength} bytes; returns
   * the number written.
   */
  public int encodeInto(byte[] data, int offset, int length, byte[] out, int outOffset) {
    checkRange(data, offset, length);
    if (outOffset < 0 || BoxStream.encodedLength(length) > out.length - (long) outOffset) {
      throw new IndexOutOfBoundsException("out has " + (out.length - outOffset) + " bytes from " + outOffset
          + ", needs " + BoxStream.encodedLength(length));
    }
    assertOpen();
    if (finished) {
      throw new IllegalStateException("goodbye already sent");
    }
    int written = 0;
    while (length > 0) {
      int n = Math.min(length, BoxStream.MAX_BODY_BYTES);
      System.arraycopy(nonces, 0, nonces, BoxStream.NONCE_BYTES, BoxStream.NONCE_BYTES);
      BoxStream.increment(nonces, BoxStream.NONCE_BYTES);
      nonces[2 * BoxStream.NONCE_BYTES] = (byte) (n >>> 8);
      nonces[2 * BoxStream.NONCE_BYTES + 1] = (byte) n;
      memory.write(NONCES, nonces, 0, nonces.length);
      memory.write(BODY, data, offset, n);
      NativeSecretbox.crypto_secretbox_detached(body, mac, body, n, bodyNonce, key);
      NativeSecretbox.crypto_secretbox_easy(headerBox, header, BoxStream.HEADER_PLAIN_BYTES, nonce, key);
      memory.read(HEADER_BOX, out, outOffset + written, BoxStream.HEADER_BYTES + n);
      // Header and body used n and n+1; the next box starts at n+2.
      BoxStream.increment(nonces, 0);
      BoxStream.increment(nonces, 0);
      written += BoxStream.HEADER_BYTES + n;
      offset += n;
      length -= n;
    }
    return written;
  }

  /** The 34-byte goodbye that ends the stream cleanly; after it the encoder is finished. */
  public byte[] goodbye() {
    assertOpen();
    if (finished) {
      throw new IllegalStateException("goodbye already sent");
    }
    finished = true;
    memory.write(NONCES, nonces, 0, BoxStream.NONCE_BYTES);
    memory.setMemory(HEADER, BoxStream.HEADER_PLAIN_BYTES, (byte) 0);
    NativeSecretbox.crypto_secretbox_easy(headerBox, header, BoxStream.HEADER_PLAIN_BYTES, nonce, key);
    byte[] out = new byte[BoxStream.HEADER_BYTES];
    memory.read(HEADER_BOX, out, 0, out.length);
    return out;
  }

  private static void checkRange(byte[] data, int offset, int length) {
    if (offset < 0 || length < 0 || offset > data.length - length) {
      throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + ", size " + data.length);
    }
  }

  private void assertOpen() {
    if (closed.get()) {
      throw new IllegalStateException("encoder closed");
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      NativeSecretbox.sodium_memzero(memory, SIZE);
      memory.close();
    }
  }
}
