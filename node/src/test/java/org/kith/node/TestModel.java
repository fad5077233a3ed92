package org.kith.node;

import org.kith.node.model.EmbedderSource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.kith.node.model.Embedder;
import org.kith.node.model.EmbeddingException;
import org.kith.node.model.MiniLmEmbedder;

/**
 * The real model, loaded once per test JVM (loading takes a second or two) and shared; nodes under test get
 * a view whose close() leaves it loaded.
 */
public final class TestModel {
  private static Embedder shared;

  private TestModel() {}

  public static synchronized Embedder real() throws EmbeddingException {
    if (shared == null) {
      try {
        shared = MiniLmEmbedder.load(Files.createTempDirectory("kith-test-model"));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return shared;
  }

  /** An embedder source for nodes under test: the shared real model. */
  public static EmbedderSource source() {
    return cacheDir -> new org.kith.node.model.Borrowed(real());
  }

  /** Deletes a test folder. */
  public static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
