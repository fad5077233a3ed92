package org.kith.node.model;

import java.nio.file.Path;

/** Loads the model on first need, so commands that do not embed never pay for it. */
public interface EmbedderSource {
  Embedder load(Path cacheDir) throws EmbeddingException;
}
