package org.kith.node.model;

import java.util.Arrays;
import java.util.HexFormat;

/** One search result: the id of a stored vector and its cosine similarity to the query. */
public record Hit(byte[] id, float score) {
  public Hit {
    if (id == null) {
      throw new IllegalArgumentException("id is null");
    }
    id = id.clone();
  }

  @Override
  public byte[] id() {
    return id.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Hit h && Arrays.equals(id, h.id) && Float.compare(score, h.score) == 0;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(id) + Float.hashCode(score);
  }

  @Override
  public String toString() {
    return "Hit[id=" + HexFormat.of().formatHex(id) + ", score=" + score + "]";
  }
}
