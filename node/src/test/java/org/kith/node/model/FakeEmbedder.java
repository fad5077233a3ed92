package org.kith.node.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic, model-free {@link Embedder} for tests of code around the model (import, search, vault
 * re-index): each lower-cased word is hashed to a few signed dimensions, so texts that share words score
 * higher than texts that do not. Loads in microseconds and needs no native code. Not a language model:
 * synonyms do not match.
 */
public final class FakeEmbedder implements Embedder {
  public static final ModelId MODEL_ID = new ModelId("fake-bag-of-words", "0".repeat(64));

  private final int dimensions;
  private final ModelId modelId;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Texts embedded so far: tests check what was (not) embedded again. */
  public final AtomicInteger embedded = new AtomicInteger();

  public FakeEmbedder() {
    this(384, MODEL_ID);
  }

  /** A fake model whose weights hash is {@code flavour} repeated: two flavours play two different models. */
  public static FakeEmbedder flavour(char flavour) {
    return new FakeEmbedder(384, new ModelId("fake-bag-of-words-" + flavour, String.valueOf(flavour).repeat(64)));
  }

  /** A different {@code modelId} lets a test play "the model changed" to exercise re-indexing. */
  public FakeEmbedder(int dimensions, ModelId modelId) {
    if (dimensions < 8) {
      throw new IllegalArgumentException("dimensions < 8: " + dimensions);
    }
    this.dimensions = dimensions;
    this.modelId = modelId;
  }

  @Override
  public int dimensions() {
    return dimensions;
  }

  @Override
  public ModelId modelId() {
    return modelId;
  }

  @Override
  public float[] embed(String text) {
    if (closed.get()) {
      throw new IllegalStateException("embedder is closed");
    }
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    embedded.incrementAndGet();
    float[] v = new float[dimensions];
    // A constant component keeps every vector non-zero, even for empty text.
    v[0] = 0.05f;
    for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (word.isEmpty()) {
        continue;
      }
      long h = fnv1a(word.getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < 3; i++) {
        int dim = 1 + (int) Long.remainderUnsigned(h, dimensions - 1);
        v[dim] += ((h >>> 40) & 1) == 0 ? 1 : -1;
        h = h * 0x9E3779B97F4A7C15L + 1;
      }
    }
    return Pooling.normalize(v);
  }

  @Override
  public List<float[]> embedBatch(List<String> texts) {
    List<float[]> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(embed(t));
    }
    return out;
  }

  @Override
  public void close() {
    closed.set(true);
  }

  private static long fnv1a(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
