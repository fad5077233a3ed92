package org.kith.node.model;

import java.util.regex.Pattern;

/**
 * Which model made a vector: its name and the SHA-256 of its weights file (64 lowercase hex characters).
 * Stored beside every vector so that a node notices when its model changed and re-indexes.
 */
public record ModelId(String name, String weightsSha256) {
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  public ModelId {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("model name is blank");
    }
    if (weightsSha256 == null || !SHA256_HEX.matcher(weightsSha256).matches()) {
      throw new IllegalArgumentException(
          "weightsSha256 is not 64 lowercase hex characters: " + weightsSha256);
    }
  }
}
