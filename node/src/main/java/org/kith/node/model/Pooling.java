package org.kith.node.model;

/**
 * Mean pooling over the attention mask and L2 normalisation, in plain Java: sentence-transformers' recipe for
 * MiniLM. Kept apart so that the benchmark's raw ONNX Runtime baseline pools exactly as the embedder does.
 */
public final class Pooling {
  private Pooling() {}

  /**
   * Pools token embeddings {@code hidden} of shape {@code [batch, seqLen, dim]} (row-major) into one unit
   * vector per sequence, averaging only positions whose {@code mask} ({@code [batch, seqLen]}) is non-zero.
   */
  public static float[][] meanPoolNormalized(float[] hidden, long[] mask, int batch, int seqLen, int dim) {
    if (hidden.length != (long) batch * seqLen * dim) {
      throw new IllegalArgumentException(
          "hidden has " + hidden.length + " floats, expected " + batch + "x" + seqLen + "x" + dim);
    }
    if (mask.length != batch * seqLen) {
      throw new IllegalArgumentException("mask has " + mask.length + " entries, expected " + batch * seqLen);
    }
    float[][] out = new float[batch][];
    double[] sum = new double[dim];
    for (int b = 0; b < batch; b++) {
      java.util.Arrays.fill(sum, 0);
      int count = 0;
      for (int t = 0; t < seqLen; t++) {
        if (mask[b * seqLen + t] == 0) {
          continue;
        }
        count++;
        int base = (b * seqLen + t) * dim;
        for (int d = 0; d < dim; d++) {
          sum[d] += hidden[base + d];
        }
      }
      float[] v = new float[dim];
      // Dividing by the count does not change the direction, but keeps the mean's scale for clarity.
      double inv = count == 0 ? 0 : 1.0 / count;
      for (int d = 0; d < dim; d++) {
        v[d] = (float) (sum[d] * inv);
      }
      out[b] = normalize(v);
    }
    return out;
  }

  /** Scales {@code v} in place to unit length (a zero vector stays zero) and returns it. */
  public static float[] normalize(float[] v) {
    double sq = 0;
    for (float x : v) {
      sq += (double) x * x;
    }
    // sentence-transformers clamps the norm at 1e-12 to avoid dividing by zero.
    double norm = Math.max(Math.sqrt(sq), 1e-12);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (v[i] / norm);
    }
    return v;
  }
}
