package org.kith.node.profile;

import java.util.Arrays;
import java.util.Objects;

/**
 * One of the owner's selected notes as the topic profiler sees it: its text (read only for label words,
 * never copied into a {@link Topic}) and its L2-normalised embedding (384 floats for MiniLM).
 *
 * <p>The vector is copied in and out, so a caller cannot change a profile input after building it.
 * {@link #toString()} leaves the text out: it is user data and must not reach a log.
 */
public record ProfileInput(String text, float[] vector) {
  public ProfileInput {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(vector, "vector");
    if (vector.length == 0) {
      throw new IllegalArgumentException("vector is empty");
    }
    vector = vector.clone();
  }

  @Override
  public float[] vector() {
    return vector.clone();
  }

  /** Package-private access without a copy, for the profiler's own read-only use. */
  float[] vectorView() {
    return vector;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProfileInput p && text.equals(p.text) && Arrays.equals(vector, p.vector);
  }

  @Override
  public int hashCode() {
    return 31 * text.hashCode() + Arrays.hashCode(vector);
  }

  @Override
  public String toString() {
    return "ProfileInput[" + text.length() + " chars, " + vector.length + "-d vector]";
  }
}
