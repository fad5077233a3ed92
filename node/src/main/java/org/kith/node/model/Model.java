package org.kith.node.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.node.base.KithException;

/**
 * The node's one embedder, loaded on first use from {@link EmbedderSource}: every vector this node ranks by
 * is computed here, never taken from a peer.
 */
public final class Model implements AutoCloseable {
  /** Texts per call to the embedder; bounds the working set of one call. */
  public static final int EMBED_BATCH = 1024;

  private final Path cacheDir;
  private final EmbedderSource source;
  private final AtomicBoolean closed = new AtomicBoolean();
  private Embedder embedder;

  public Model(Path cacheDir, EmbedderSource source) {
    this.cacheDir = cacheDir;
    this.source = source;
  }

  public synchronized Embedder embedder() throws KithException {
    if (closed.get()) {
      throw new IllegalStateException("model is closed");
    }
    if (embedder == null) {
      try {
        embedder = source.load(cacheDir);
      } catch (EmbeddingException e) {
        throw new KithException(KithException.BAD_INPUT, "the local model failed to load: " + e.getMessage(), e);
      }
    }
    return embedder;
  }

  /** The SHA-256 of the loaded weights: stored beside each vector so a model change triggers a re-index. */
  public byte[] weightsHash() throws KithException {
    return HexFormat.of().parseHex(embedder().modelId().weightsSha256());
  }

  public int dimensions() throws KithException {
    return embedder().dimensions();
  }

  /** One vector per text, in order. */
  public List<float[]> embed(List<String> texts) throws KithException {
    Embedder e = embedder();
    List<float[]> out = new ArrayList<>(texts.size());
    try {
      // The embedder batches by itself, sorting texts by length across the whole list first.
      for (int i = 0; i < texts.size(); i += EMBED_BATCH) {
        List<String> chunk = texts.subList(i, Math.min(texts.size(), i + EMBED_BATCH));
        out.addAll(chunk.size() == 1 ? List.of(e.embed(chunk.get(0))) : e.embedBatch(chunk));
      }
    } catch (EmbeddingException ex) {
      throw new KithException(KithException.BAD_INPUT, "the local model failed: " + ex.getMessage(), ex);
    }
    return out;
  }

  public float[] embed(String text) throws KithException {
    return embed(List.of(text)).get(0);
  }

  /** "not loaded", or the model's name once it is. */
  public synchronized String state() {
    return embedder == null ? "not loaded" : embedder.modelId().name();
  }

  @Override
  public synchronized void close() {
    if (closed.compareAndSet(false, true) && embedder != null) {
      embedder.close();
    }
  }
}
