package org.kith.protocol.boxstream;

import static org.kith.protocol.boxstream.BoxStreamException.Reason.BODY_INVALID;
import static org.kith.protocol.boxstream.BoxStreamException.Reason.DATA_AFTER_GOODBYE;
import static org.kith.protocol.boxstream.BoxStreamException.Reason.HEADER_INVALID;
import static org.kith.protocol.boxstream.BoxStreamException.Reason.LENGTH_INVALID;
import static org.kith.protocol.boxstream.BoxStreamException.Reason.TRUNCATED;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.protocol.handshake.Session;

/**
 * Decrypts an incoming box-stream fed in chunks of any size. {@link #decode} returns the bodies completed by
 * the chunk; {@link #isFinished()} turns true at the goodbye; {@link #end()} must be called when the
 * connection ends and throws if no goodbye came. The first failure is final. Not thread-safe.
 */
public final class BoxStreamDecoder implements AutoCloseable {
  // One native buffer: [header nonce 24 | body nonce 24 | key 32 | header box 34 | len 2 | MAC 16 | body].
  // Incoming bytes are written straight into the header box or body slot; bodies open in place.
  private static final int NONCES = 0;
  private static final int KEY = 48;
  private static final int HEADER_BOX = KEY + BoxStream.KEY_BYTES;
  private static final int HEADER = HEADER_BOX + BoxStream.HEADER_BYTES;
  private static final int MAC = HEADER + 2;
  private static final int BODY = HEADER + BoxStream.HEADER_PLAIN_BYTES;
  private static final int SIZE = BODY + BoxStream.MAX_BODY_BYTES;

  private final Memory memory = new Memory(SIZE);
  private final Pointer nonce = memory.share(NONCES);
  private final Pointer bodyNonce = memory.share(NONCES + BoxStream.NONCE_BYTES);
  private final Pointer key = memory.share(KEY);
  private final Pointer headerBox = memory.share(HEADER_BOX);
  private final Pointer header = memory.share(HEADER);
  private final Pointer mac = memory.share(MAC);
  private final Pointer body = memory.share(BODY);
  /** The header nonce then the body nonce, kept in Java and written before each open. */
  private final byte[] nonces = new byte[2 * BoxStream.NONCE_BYTES];
  private final byte[] plainHeader = new byte[BoxStream.HEADER_PLAIN_BYTES];
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Bytes of the current header (while bodyLength < 0) or body collected so far. */
  private int filled;
  /** -1 while reading a header, else the length of the body being read. */
  private int bodyLength = -1;
  private boolean finished;
  private BoxStreamException failure;

  /** Decrypts with the session's decrypt key and nonce. */
  public BoxStreamDecoder(Session session) {
    this(session.decryptKey(), session.decryptNonce());
  }

  /** With an explicit 32-byte key and 24-byte starting nonce (copied). */
  public BoxStreamDecoder(byte[] key, byte[] nonce) {
    BoxStream.check(key, nonce);
    memory.clear();
    memory.write(KEY, key, 0, key.length);
    System.arraycopy(nonce, 0, nonces, 0, BoxStream.NONCE_BYTES);
  }

  public List<byte[]> decode(byte[] chunk) throws BoxStreamException {
    return decode(chunk, 0, chunk.length);
  }

  /** Consumes the buffer's remaining bytes. */
  public List<byte[]> decode(ByteBuffer chunk) throws BoxStreamException {
    List<byte[]> out = new ArrayList<>(2);
    if (chunk.hasArray()) {
      int n = chunk.remaining();
      decode(chunk.array(), chunk.arrayOffset() + chunk.position(), n, out);
      chunk.position(chunk.position() + n);
    } else {
      byte[] copy = new byte[chunk.remaining()];
      chunk.get(copy);
      decode(copy, 0, copy.length, out);
    }
    return out;
  }

  public List<byte[]> decode(byte[] chunk, int offset, int length) throws BoxStreamException {
    List<byte[]> out = new ArrayList<>(2);
    decode(chunk, offset, length, out);
    return out;
  }

  /** Adds the bodies completed by this chunk to {@code out}, in order. */
  public void decode(byte[] chunk, int offset, int length, List<byte[]> out) throws BoxStreamException {
    if (offset < 0 || length < 0 || offset > chunk.length - length) {
      throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + ", size " + chunk.length);
    }
    assertOpen();
    if (failure != null) {
      throw failure;
    }
    if (finished) {
      if (length > 0) {
        throw fail(DATA_AFTER_GOODBYE, length + " bytes after the goodbye");
      }
      return;
    }
    int end = offset + length;
    while (offset < end) {
      if (bodyLength < 0) {
        int n = Math.min(BoxStream.HEADER_BYTES - filled, end - offset);
        memory.write(HEADER_BOX + filled, chunk, offset, n);
        filled += n;
        offset += n;
        if (filled == BoxStream.HEADER_BYTES) {
          openHeader();
          filled = 0;
          if (finished) {
            if (offset < end) {
              throw fail(DATA_AFTER_GOODBYE, (end - offset) + " bytes after the goodbye");
            }
            return;
          }
        }
      } else {
        int n = Math.min(bodyLength - filled, end - offset);
        memory.write(BODY + filled, chunk, offset, n);
        filled += n;
        offset += n;
        if (filled == bodyLength) {
          out.add(openBody());
          filled = 0;
          bodyLength = -1;
        }
      }
    }
  }

  private void openHeader() throws BoxStreamException {
    memory.write(NONCES, nonces, 0, BoxStream.NONCE_BYTES);
    if (NativeSecretbox.crypto_secretbox_open_easy(header, headerBox, BoxStream.HEADER_BYTES, nonce, key) != 0) {
      throw fail(HEADER_INVALID, "header does not open");
    }
    memory.read(HEADER, plainHeader, 0, plainHeader.length);
    boolean zero = true;
    for (byte b : plainHeader) {
      zero &= b == 0;
    }
    if (zero) {
      finished = true;
      return;
    }
    int len = ((plainHeader[0] & 0xff) << 8) | (plainHeader[1] & 0xff);
    if (len == 0 || len > BoxStream.MAX_BODY_BYTES) {
      throw fail(LENGTH_INVALID, "body length " + len + " not in [1, " + BoxStream.MAX_BODY_BYTES + "]");
    }
    bodyLength = len;
  }

  private byte[] openBody() throws BoxStreamException {
    System.arraycopy(nonces, 0, nonces, BoxStream.NONCE_BYTES, BoxStream.NONCE_BYTES);
    BoxStream.increment(nonces, BoxStream.NONCE_BYTES);
    memory.write(NONCES + BoxStream.NONCE_BYTES, nonces, BoxStream.NONCE_BYTES, BoxStream.NONCE_BYTES);
    if (NativeSecretbox.crypto_secretbox_open_detached(body, body, mac, bodyLength, bodyNonce, key) != 0) {
      throw fail(BODY_INVALID, "body does not open");
    }
    byte[] plain = new byte[bodyLength];
    memory.read(BODY, plain, 0, bodyLength);
    BoxStream.increment(nonces, 0);
    BoxStream.increment(nonces, 0);
    return plain;
  }

  /** True once the goodbye arrived: the peer ended the stream cleanly. */
  public boolean isFinished() {
    return finished;
  }

  /** The connection ended: fine after the goodbye, otherwise the stream was cut short. */
  public void end() throws BoxStreamException {
    if (failure != null) {
      throw failure;
    }
    if (!finished) {
      throw fail(TRUNCATED, "stream ended without a goodbye"
          + (bodyLength >= 0 || filled > 0 ? ", inside a box" : ""));
    }
  }

  private BoxStreamException fail(BoxStreamException.Reason reason, String detail) {
    failure = new BoxStreamException(reason, detail);
    return failure;
  }

  private void assertOpen() {
    if (closed.get()) {
      throw new IllegalStateException("decoder closed");
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
