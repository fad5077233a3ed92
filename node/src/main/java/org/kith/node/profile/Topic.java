package org.kith.node.profile;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One topic of a profile: what may be published about a group of the owner's notes, and nothing else. The
 * centroid is the L2-normalised mean of the notes' embeddings; the labels are {@value #MIN_LABELS} to
 * {@value #MAX_LABELS} single lowercase words, each found in at least two of the topic's notes; the count
 * is the number of notes plus Laplace noise, clamped at 0 and rounded to one decimal.
 *
 * <p>{@link #toString()} leaves the labels and the centroid out, as they describe private notes until the
 * owner publishes them.
 */
public record Topic(float[] centroid, List<String> labels, double noisyCount) {
  public static final int MIN_LABELS = 3;
  public static final int MAX_LABELS = 5;
  /** How far from 1 a centroid's length may be after float rounding. */
  static final double UNIT_TOLERANCE = 1e-3;

  public Topic {
    Objects.requireNonNull(centroid, "centroid");
    Objects.requireNonNull(labels, "labels");
    if (centroid.length == 0) {
      throw new IllegalArgumentException("centroid is empty");
    }
    double norm2 = 0;
    for (float x : centroid) {
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException("centroid has a non-finite component");
      }
      norm2 += (double) x * x;
    }
    if (Math.abs(Math.sqrt(norm2) - 1) > UNIT_TOLERANCE) {
      throw new IllegalArgumentException("centroid is not unit length: " + Math.sqrt(norm2));
    }
    if (labels.size() < MIN_LABELS || labels.size() > MAX_LABELS) {
      throw new IllegalArgumentException(
          "labels: " + labels.size() + " not in " + MIN_LABELS + ".." + MAX_LABELS);
    }
    for (String label : labels) {
      if (label == null || !TopicLabels.isLabelWord(label)) {
        throw new IllegalArgumentException("label is not a single lowercase word");
      }
    }
    if (!(noisyCount >= 0) || Double.isInfinite(noisyCount)) {
      throw new IllegalArgumentException("noisyCount must be finite and >= 0: " + noisyCount);
    }
    centroid = centroid.clone();
    labels = List.copyOf(labels);
  }

  @Override
  public float[] centroid() {
    return centroid.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Topic t
        && Arrays.equals(centroid, t.centroid)
        && labels.equals(t.labels)
        && Double.compare(noisyCount, t.noisyCount) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(centroid), labels, noisyCount);
  }

  @Override
  public String toString() {
    return "Topic[" + centroid.length + "-d centroid, " + labels.size() + " labels, noisyCount="
        + noisyCount + "]";
  }
}
