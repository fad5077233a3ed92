package org.kith.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kith.node.model.Embedder;
import org.kith.node.model.EmbeddingException;
import org.kith.node.model.MiniLmEmbedder;
import org.kith.node.model.ModelId;

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
  public static PersonalNode.EmbedderSource source() {
    return cacheDir -> new Unclosable(real());
  }

  static final class Unclosable implements Embedder {
    private final Embedder inner;

    Unclosable(Embedder inner) {
      this.inner = inner;
    }

    @Override
    public int dimensions() {
      return inner.dimensions();
    }

    @Override
    public ModelId modelId() {
      return inner.modelId();
    }

    @Override
    public float[] embed(String text) throws EmbeddingException {
      return inner.embed(text);
    }

    @Override
    public List<float[]> embedBatch(List<String> texts) throws EmbeddingException {
      return inner.embedBatch(texts);
    }

    @Override
    public void close() {}
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
