package org.kith.protocol.boxstream;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.kith.sodium.Sodium;

/**
 * libsodium's secretbox over native memory. Lazysodium's byte[] bindings make JNA copy every array in and out
 * of native memory on every call; box-stream makes four calls per box on 4 KiB buffers, and those copies cost
 * more than the header's own cryptography. These bindings take pointers into buffers the coders keep, so
 * each body crosses the JNI boundary once each way. Same library file as {@link Sodium}, which dlopen maps once.
 */
final class NativeSecretbox {
  static {
    Native.register(NativeSecretbox.class, Sodium.libraryPath().toString());
    // Selects the CPU-specific implementations; a no-op when Sodium's binding has already done it.
    if (sodium_init() < 0) {
      throw new IllegalStateException("sodium_init failed");
    }
  }

  private NativeSecretbox() {}

  static native int sodium_init();

  static native int crypto_secretbox_easy(Pointer c, Pointer m, long mlen, Pointer n, Pointer k);

  static native int crypto_secretbox_open_easy(Pointer m, Pointer c, long clen, Pointer n, Pointer k);

  static native int crypto_secretbox_detached(Pointer c, Pointer mac, Pointer m, long mlen, Pointer n,
      Pointer k);

  static native int crypto_secretbox_open_detached(Pointer m, Pointer c, Pointer mac, long clen, Pointer n,
      Pointer k);

  static native void sodium_memzero(Pointer p, long len);
}
