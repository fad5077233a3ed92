package org.kith.bench.transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs protocol/src/test/js/shs.js (the JavaScript reference) and returns its stdout lines. */
final class NodeScript {
  private static final long TIMEOUT_SECONDS = 120;

  private NodeScript() {}

  static List<String> run(String... args) throws IOException, InterruptedException {
    Path dir = Path.of(System.getProperty("kith.repo.root", ".")).resolve("protocol/src/test/js");
    if (!Files.isDirectory(dir.resolve("node_modules"))) {
      throw new IOException(dir.resolve("node_modules") + " is missing: run npm ci --prefix protocol/src/test/js");
    }
    List<String> cmd = new ArrayList<>(List.of("node", "shs.js"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line);
      }
    }
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("node shs.js " + String.join(" ", args) + " timed out");
    }
    if (p.exitValue() != 0) {
      throw new IOException("node shs.js " + String.join(" ", args) + " exited " + p.exitValue() + ": " + lines);
    }
    return lines;
  }

  /** The value of the first line starting with {@code key + " "}. */
  static String value(List<String> lines, String key) throws IOException {
    for (String l : lines) {
      if (l.startsWith(key + " ")) {
        return l.substring(key.length() + 1);
      }
    }
    throw new IOException("no " + key + " line in " + lines);
  }
}
