package org.kith.bench.killstorm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the production launcher ({@code ./kith}) with the storm's environment: HOME in the scratch folder,
 * KITH_PASSPHRASE set, temporary files in the scratch folder. Every process it starts is remembered until it
 * has ended, so {@link #killAll} leaves none behind.
 */
final class Launcher {
  /** The longest a one-shot command may take before the storm gives up on it (a hang is a finding too). */
  static final Duration MAX_COMMAND = Duration.ofMinutes(5);
  /** Exit status of a process ended by SIGKILL, as {@link Process#exitValue} reports it (128 + 9). */
  static final int KILLED = 137;

  /** A started process with its output files. */
  static final class Spawned {
    final Process process;
    final Path out;
    final Path err;
    final long startNanos = System.nanoTime();
    /** System.nanoTime when the process ended, as seen by the JDK's process reaper (a few ms late at most). */
    final CompletableFuture<Long> endNanos;

    Spawned(Process process, Path out, Path err) {
      this.process = process;
      this.out = out;
      this.err = err;
      this.endNanos = process.onExit().thenApply(p -> System.nanoTime());
    }

    long pid() {
      return process.pid();
    }

    String out() {
      return read(out);
    }

    String err() {
      return read(err);
    }

    private static String read(Path p) {
      try {
        return Files.readString(p, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }
  }

  /** What a one-shot command did. */
  record Result(int exit, String out, String err) {}

  private final Path kith;
  private final Map<String, String> env;
  private final Path logs;
  private final Set<Process> live = ConcurrentHashMap.newKeySet();
  private final AtomicLong serial = new AtomicLong();

  Launcher(Path kith, Map<String, String> env, Path logs) {
    this.kith = kith;
    this.env = Map.copyOf(env);
    this.logs = logs;
  }

  Path kith() {
    return kith;
  }

  Path logs() {
    return logs;
  }

  /** Starts {@code kith --home HOME --json ARGS...}; output goes to files under the log folder. */
  Spawned spawn(Path home, Map<String, String> extraEnv, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(kith.toString(), "--home", home.toString(), "--json"));
    cmd.addAll(List.of(args));
    long n = serial.incrementAndGet();
    Path out = logs.resolve(n + ".out");
    Path err = logs.resolve(n + ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.environment().putAll(extraEnv);
    Process p = pb.start();
    live.add(p);
    p.onExit().thenRun(() -> live.remove(p));
    return new Spawned(p, out, err);
  }

  Spawned spawn(Path home, String... args) throws IOException {
    return spawn(home, Map.of(), args);
  }

  /** Waits for the end of a spawned command (at most {@link #MAX_COMMAND}) and removes its output files. */
  Result finish(Spawned s) throws IOException, InterruptedException {
    if (!s.process.waitFor(MAX_COMMAND.toMillis(), TimeUnit.MILLISECONDS)) {
      s.process.destroyForcibly().waitFor();
      throw new IOException("kith did not end within " + MAX_COMMAND + ": " + s.process.info().commandLine()
          .orElse("?") + "; its stderr: " + tail(s.err()));
    }
    Result r = new Result(s.process.exitValue(), s.out(), s.err());
    Files.deleteIfExists(s.out);
    Files.deleteIfExists(s.err);
    return r;
  }

  Result run(Path home, String... args) throws IOException, InterruptedException {
    return finish(spawn(home, args));
  }

  /** SIGKILL and wait; returns the exit status (KILLED if the signal ended it). */
  static int kill(Spawned s) throws InterruptedException {
    s.process.destroyForcibly();
    return s.process.waitFor();
  }

  /** Ends every process still running: SIGTERM, then SIGKILL to those still there after {@code grace}. */
  void killAll(Duration grace) {
    List<Process> ps = new ArrayList<>(live);
    ps.forEach(Process::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    for (Process p : ps) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  static String tail(String s) {
    String t = s.strip();
    return t.length() <= 600 ? t : "…" + t.substring(t.length() - 600);
  }
}
