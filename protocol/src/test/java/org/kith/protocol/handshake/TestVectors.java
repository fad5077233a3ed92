package org.kith.protocol.handshake;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads spec/vectors/*.json, for the handshake and box-stream tests. */
public final class TestVectors {
  private TestVectors() {}

  public static Path repoRoot() {
    String root = System.getProperty("kith.repo.root");
    if (root == null) {
      throw new IllegalStateException("system property kith.repo.root is not set (surefire sets it)");
    }
    return Path.of(root);
  }

  public static JsonObject load(String name) throws IOException {
    String json = Files.readString(repoRoot().resolve("spec/vectors").resolve(name), StandardCharsets.UTF_8);
    return JsonParser.parseString(json).getAsJsonObject();
  }
}
