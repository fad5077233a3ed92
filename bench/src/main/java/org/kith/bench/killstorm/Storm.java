package org.kith.bench.killstorm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicLong;

/** What the scenarios share: the launcher, the scratch folder, marker words, and where findings are kept. */
final class Storm {
  final Launcher launcher;
  final Path scratch;
  final char[] passphrase;
  private final Path findingsParent;
  private final String runId;
  private final AtomicLong markers = new AtomicLong();
  private final AtomicLong kept = new AtomicLong();
  private volatile Path findings;

  Storm(Launcher launcher, Path scratch, char[] passphrase, Path findingsParent, String runId) {
    this.launcher = launcher;
    this.scratch = scratch;
    this.passphrase = passphrase;
    this.findingsParent = findingsParent;
    this.runId = runId;
  }

  /** A word no other note of this run contains: it starts the note, so the note's title starts with it. */
  String marker(String kind) {
    return "ks" + runId + kind + markers.incrementAndGet();
  }

  /**
   * Keeps a copy of a home (without its model cache) that showed a lost write or would not open, with a note of
   * what happened, outside the scratch folder so it survives the run. Returns where.
   */
  synchronized Path keep(String scenario, Path home, String what) {
    try {
      if (findings == null) {
        findings = Files.createTempDirectory(findingsParent, "kith-killstorm-findings.");
      }
      Path dest = findings.resolve(scenario + "-" + kept.incrementAndGet());
      copyTree(home, dest.resolve("home"));
      Files.writeString(dest.resolve("what.txt"), what + "\n", StandardCharsets.UTF_8);
      System.err.println("# killstorm: " + scenario + ": FINDING kept in " + dest + ": " + what);
      return dest;
    } catch (IOException e) {
      System.err.println("# killstorm: could not keep the home of a finding: " + e);
      return null;
    }
  }

  Path findings() {
    return findings;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (dir.getFileName() != null && dir.getFileName().toString().equals("cache") && dir.getParent().equals(from)) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        Files.createDirectories(to.resolve(from.relativize(dir)));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.copy(file, to.resolve(from.relativize(file)), StandardCopyOption.COPY_ATTRIBUTES);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          Files.deleteIfExists(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
