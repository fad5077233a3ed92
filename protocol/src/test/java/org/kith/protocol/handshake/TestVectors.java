package org.kith.protocol.handshake;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads spec/vectors/*.json and converts hex, for the handshake and box-stream tests. */
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

  public static byte[] unhex(String s) {
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  public static String hex(byte[] b) {
    StringBuilder s = new StringBuilder(2 * b.length);
    for (byte x : b) {
      s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return s.toString();
  }
}
