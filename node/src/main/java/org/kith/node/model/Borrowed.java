package org.kith.node.model;

import java.util.List;

/**
 * A loaded model lent to someone who will close it when done (a node, a benchmark round) while its owner keeps
 * it loaded: close() here does nothing. Loading the model takes seconds, so tests, benchmarks and the demo's
 * three nodes share one.
 */
public record Borrowed(Embedder inner) implements Embedder {
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
  public void close() {
    // The owner closes the model.
  }
}
