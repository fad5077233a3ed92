package org.kith.storage.internal;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.sodium.Sodium;

/**
 * Key material. No {@code toString} that shows bytes, compared in constant time, wiped on {@link #close()}.
 * After close, {@link #bytes()} throws, so a use-after-wipe is a loud bug and not a zero key.
 */
public final class SecretBytes implements AutoCloseable {
  private final byte[] bytes;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SecretBytes(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Takes ownership of {@code bytes}: the caller must not keep or wipe it. */
  public static SecretBytes adopt(byte[] bytes) {
    return new SecretBytes(bytes);
  }

  public static SecretBytes random(int length) {
    byte[] b = new byte[length];
    Sodium.raw().randombytes_buf(b, length);
    return new SecretBytes(b);
  }

  /** The live array, for passing to libsodium. Never store or expose it. */
  public byte[] bytes() {
    if (closed.get()) {
      throw new IllegalStateException("secret already wiped");
    }
    return bytes;
  }

  public int length() {
    return bytes.length;
  }

  public boolean equalsSecret(SecretBytes other) {
    return MessageDigest.isEqual(bytes(), other.bytes());
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  @Override
  public String toString() {
    return "SecretBytes[" + bytes.length + " bytes]";
  }
}
