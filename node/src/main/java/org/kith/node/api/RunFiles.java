package org.kith.node.api;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HexFormat;
import java.util.Optional;
import org.kith.node.base.Home;
import org.kith.node.base.HomeFolder;

/**
 * The files by which commands find a running node: {@code api.token} (random, mode 0600, new at every start)
 * and {@code node.json} (API port, listen address, pid). Neither holds anything the owner wrote.
 */
public final class RunFiles {
  public static final String TOKEN_FILE = "api.token";
  public static final String RUN_FILE = "node.json";

  private RunFiles() {}

  /** What node.json says. */
  public record RunInfo(int apiPort, String listen, long pid) {}

  public static String newToken(Home home) throws IOException {
    byte[] b = new byte[32];
    new java.security.SecureRandom().nextBytes(b);
    String token = HexFormat.of().formatHex(b);
    HomeFolder.writePrivate(home.dir().resolve(TOKEN_FILE), token);
    return token;
  }

  public static Optional<String> token(Home home) {
    try {
      return Optional.of(Files.readString(home.dir().resolve(TOKEN_FILE), StandardCharsets.US_ASCII).strip());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public static void writeRunInfo(Home home, RunInfo info) throws IOException {
    JsonObject o = new JsonObject();
    o.addProperty("apiPort", info.apiPort());
    o.addProperty("listen", info.listen());
    o.addProperty("pid", info.pid());
    HomeFolder.writePrivate(home.dir().resolve(RUN_FILE), o.toString());
  }

  public static Optional<RunInfo> runInfo(Home home) {
    try {
      JsonObject o = JsonParser.parseString(Files.readString(home.dir().resolve(RUN_FILE))).getAsJsonObject();
      return Optional.of(new RunInfo(o.get("apiPort").getAsInt(),
          o.get("listen").isJsonNull() ? null : o.get("listen").getAsString(), o.get("pid").getAsLong()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** True while either run file is there: a node runs, is stopping, or died without removing them. */
  public static boolean present(Home home) {
    return Files.exists(home.dir().resolve(RUN_FILE)) || Files.exists(home.dir().resolve(TOKEN_FILE));
  }

  /** True if node.json names a process that no longer runs: the files are stale (the node was killed). */
  public static boolean ownerGone(Home home) {
    return runInfo(home).map(i -> ProcessHandle.of(i.pid()).map(p -> !p.isAlive()).orElse(true)).orElse(false);
  }

  public static void clear(Home home) {
    try {
      Files.deleteIfExists(home.dir().resolve(RUN_FILE));
      Files.deleteIfExists(home.dir().resolve(TOKEN_FILE));
    } catch (IOException e) {
      // Stale files are detected by the next command: the API will not answer.
    }
  }
}
