package org.kith.node.model;

import java.util.List;

/**
 * Turns text into a unit-length vector whose dot product with another such vector is their cosine
 * similarity. A seam: code around it may be tested with a fake.
 *
 * <p>Implementations say in their own documentation whether they are safe for concurrent use.
 */
public interface Embedder extends AutoCloseable {
  /** The length of every vector this embedder returns. */
  int dimensions();

  /** The model's name and a hash of its weights; vectors from different ids are not comparable. */
  ModelId modelId();

  /** The embedding of {@code text}, L2-normalised, of length {@link #dimensions()}. */
  float[] embed(String text) throws EmbeddingException;

  /**
   * The embeddings of {@code texts}, in the same order, computed in batches through the model (padded, with
   * an attention mask) rather than one text at a time.
   */
  List<float[]> embedBatch(List<String> texts) throws EmbeddingException;

  /** Releases the model; idempotent. */
  @Override
  void close();
}
