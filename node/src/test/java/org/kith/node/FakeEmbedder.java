package org.kith.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.kith.node.model.Embedder;
import org.kith.node.model.ModelId;

/** Bag-of-words hashing: a stand-in model for testing the code around the model, not the model. */
public final class FakeEmbedder implements Embedder {
  final String hash;
  public final AtomicInteger embedded = new AtomicInteger();

  public FakeEmbedder(char hashDigit) {
    this.hash = String.valueOf(hashDigit).repeat(64);
  }

  @Override
  public int dimensions() {
    return 384;
  }

  @Override
  public ModelId modelId() {
    return new ModelId("fake", hash);
  }

  @Override
  public float[] embed(String text) {
    embedded.incrementAndGet();
    float[] v = new float[384];
    for (String w : text.toLowerCase(Locale.ROOT).split("\\W+")) {
      if (!w.isEmpty()) {
        v[Math.floorMod(w.hashCode(), 384)] += 1;
      }
    }
    double n = 0;
    for (float f : v) {
      n += f * f;
    }
    for (int i = 0; i < v.length; i++) {
      v[i] /= (float) Math.sqrt(Math.max(n, 1e-9));
    }
    return v;
  }

  @Override
  public List<float[]> embedBatch(List<String> texts) {
    List<float[]> out = new ArrayList<>();
    texts.forEach(t -> out.add(embed(t)));
    return out;
  }

  @Override
  public void close() {}
}
