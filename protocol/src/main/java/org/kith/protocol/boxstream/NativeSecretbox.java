package org.kith.protocol.boxstream;

import com.goterl.lazysodium.SodiumJava;
import com.goterl.lazysodium.utils.LibraryLoader;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * libsodium's secretbox over native memory. Lazysodium's byte[] bindings make JNA copy every array in and out
 * of native memory on every call; box-stream makes four calls per box on 4 KiB buffers, and those copies cost
 * more than the header's own cryptography. These bindings take pointers into buffers the coders keep, so
 * each body crosses the JNI boundary once each way. Same bundled libsodium as {@code Sodium}.
 */
final class NativeSecretbox {
  static {
    Native.register(NativeSecretbox.class, extractBundled().toString());
    // Selects the CPU-specific implementations, in case this mapping got its own copy of the library.
    if (sodium_init() < 0) {
      throw new IllegalStateException("sodium_init failed");
    }
  }

  private NativeSecretbox() {}

  /** The libsodium inside Lazysodium's jar, the one {@code Sodium} loads, copied out for dlopen. */
  private static Path extractBundled() {
    String resource = "/" + LibraryLoader.getSodiumPathInResources();
    try (InputStream in = SodiumJava.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no " + resource + " in the Lazysodium jar");
      }
      Path dir = Files.createTempDirectory("kith-sodium");
      Path lib = dir.resolve(resource.substring(resource.lastIndexOf('/') + 1));
      Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
      lib.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return lib;
    } catch (IOException e) {
      throw new IllegalStateException("cannot extract the bundled libsodium", e);
    }
  }

  static native int sodium_init();

  static native int crypto_secretbox_easy(Pointer c, Pointer m, long mlen, Pointer n, Pointer k);

  static native int crypto_secretbox_open_easy(Pointer m, Pointer c, long clen, Pointer n, Pointer k);

  static native int crypto_secretbox_detached(Pointer c, Pointer mac, Pointer m, long mlen, Pointer n,
      Pointer k);

  static native int crypto_secretbox_open_detached(Pointer m, Pointer c, Pointer mac, long clen, Pointer n,
      Pointer k);

  static native void sodium_memzero(Pointer p, long len);
}
