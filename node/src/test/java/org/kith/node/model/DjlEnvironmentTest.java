package org.kith.node.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DjlEnvironmentTest {
  @Test
  void onnxRuntime_isCopiedIntoTheCacheOnce_andReplacedWhenDamaged(@TempDir Path root) throws Exception {
    Path dir = DjlEnvironment.placeOrtLibraries(root);
    assertNotNull(dir, "this platform's ONNX Runtime is bundled");
    assertTrue(dir.startsWith(root), dir.toString());
    Path lib = dir.resolve(System.mapLibraryName("onnxruntime"));
    Path jni = dir.resolve(System.mapLibraryName("onnxruntime4j_jni"));
    long size = Files.size(lib);
    assertTrue(size > 1_000_000, "the runtime itself: " + size);
    assertTrue(Files.size(jni) > 10_000);

    FileTime before = FileTime.fromMillis(1_000_000_000L);
    Files.setLastModifiedTime(lib, before);
    assertEquals(dir, DjlEnvironment.placeOrtLibraries(root));
    assertEquals(before, Files.getLastModifiedTime(lib), "a good copy is not written again");

    Files.write(jni, new byte[] {1, 2, 3}); // cut short, as by a full disk
    DjlEnvironment.placeOrtLibraries(root);
    assertTrue(Files.size(jni) > 10_000, "a damaged copy is replaced");
    try (var s = Files.list(dir)) {
      assertEquals(2, s.count(), "no partial files left behind");
    }
  }
}
