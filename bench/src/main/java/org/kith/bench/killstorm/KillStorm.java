package org.kith.bench.killstorm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.kith.bench.Report;

/**
 * Issue 10, the kill storm: delivers KILLS SIGKILLs (default 1,000) to Kith's production launcher, spread over
 * four scenarios ({@code note add}, {@code note import}, a running node taking API writes, a node in the middle of
 * a sync), each kill after the vault is open, and after every kill checks that the vault opens and holds every
 * write acknowledged before the kill. Prints one figure per line ({@code name<TAB>value<TAB>unit}, as
 * {@code bench/run}); exits 1 if any acknowledged write was lost or any vault would not open.
 *
 * <p>Usage: {@code bench/killstorm [KILLS]}. Environment: {@code KILLSTORM_LANES} (scenarios run at once,
 * default 2), {@code KILLSTORM_SCENARIOS} (a comma-separated subset of add,import,api,sync; the kills are split
 * among them), {@code KILLSTORM_SEED} (the random draws of kill times).
 */
public final class KillStorm {
  static final int DEFAULT_KILLS = 1000;
  static final int MAX_KILLS = 100_000;
  static final String PASSPHRASE = "kill storm passphrase, nothing real in here";

  private KillStorm() {}

  public static void main(String[] args) throws Exception {
    int kills = DEFAULT_KILLS;
    if (args.length > 1 || (args.length == 1 && !args[0].matches("\\d{1,6}"))) {
      System.err.println("usage: bench/killstorm [KILLS]   (default " + DEFAULT_KILLS + ")");
      System.exit(2);
    }
    if (args.length == 1) {
      kills = Integer.parseInt(args[0]);
    }
    if (kills < 1 || kills > MAX_KILLS) {
      System.err.println("killstorm: KILLS must be 1.." + MAX_KILLS + ": " + kills);
      System.exit(2);
    }
    if (!ProcLocks.available()) {
      System.err.println("killstorm: /proc/locks is not readable; it tells when a process has the vault open");
      System.exit(2);
    }
    Path root = Path.of(System.getProperty("kith.repo.root", ".")).toAbsolutePath().normalize();
    Path kith = root.resolve("kith");
    Path scratch = Path.of(System.getProperty("kith.killstorm.scratch"));
    Path findingsParent = scratch.getParent();
    int lanes = Integer.parseInt(System.getenv().getOrDefault("KILLSTORM_LANES", "2"));
    long seed = Long.parseLong(System.getenv().getOrDefault("KILLSTORM_SEED",
        Long.toString(System.nanoTime() & 0xffffff)));
    System.err.println("# killstorm: " + kills + " kills, " + lanes + " lanes, seed " + seed + ", scratch " + scratch);

    Path tmp = Files.createDirectories(scratch.resolve("tmp"));
    Path logs = Files.createDirectories(scratch.resolve("logs"));
    Path user = Files.createDirectories(scratch.resolve("user"));
    System.setProperty(org.kith.sodium.Sodium.CACHE_DIR_PROPERTY,
        Files.createDirectories(scratch.resolve("harness-cache")).toString());

    Map<String, String> env = new HashMap<>(System.getenv());
    env.remove("KITH_HOME");
    env.put("HOME", user.toString());
    env.put("TMPDIR", tmp.toString());
    env.put("KITH_PASSPHRASE", PASSPHRASE);
    // The launcher's default heap, plus: temporary files in the scratch folder, and only the C1 compiler, which
    // costs these short-lived JVMs about 15% less CPU (measured on note list and note add) and changes nothing
    // they write.
    String javaOpts = "-Xmx1g -XX:TieredStopAtLevel=1 -Djava.io.tmpdir=" + tmp;
    env.put("KITH_JAVA_OPTS", javaOpts);
    Launcher plain = new Launcher(kith, env, logs);
    String runId = HexFormat.of().toHexDigits((int) seed).substring(2);
    Report report = new Report(System.out);
    long t0 = System.nanoTime();

    List<Scenario> scenarios = new ArrayList<>();
    Launcher[] launcher = {plain};
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      launcher[0].killAll(Duration.ofSeconds(20));
      plain.killAll(Duration.ofSeconds(5));
    }, "killstorm-cleanup"));
    int exit;
    try {
      launcher[0] = withClassArchive(plain, scratch, env, javaOpts);
      Storm storm = new Storm(launcher[0], scratch, PASSPHRASE.toCharArray(), findingsParent, runId);
      String[] names = System.getenv().getOrDefault("KILLSTORM_SCENARIOS", "add,import,api,sync").split(",");
      for (int i = 0; i < names.length; i++) {
        int quota = kills / names.length + (i < kills % names.length ? 1 : 0);
        long s = seed * 31 + i;
        scenarios.add(switch (names[i]) {
          case "add" -> new AddScenario(storm, quota, s);
          case "import" -> new ImportScenario(storm, quota, s);
          case "api" -> new ApiScenario(storm, quota, s);
          case "sync" -> new SyncScenario(storm, quota, s);
          default -> throw new IllegalArgumentException("unknown scenario in KILLSTORM_SCENARIOS: " + names[i]);
        });
      }
      runAll(scenarios, lanes);
      exit = printFigures(report, scenarios, t0);
      if (storm.findings() != null) {
        System.err.println("# killstorm: findings (homes and what happened) kept in " + storm.findings());
      }
    } finally {
      launcher[0].killAll(Duration.ofSeconds(20));
      Storm.deleteTree(scratch);
    }
    System.exit(exit);
  }

  /**
   * Every run is a new JVM, and on a busy machine class loading is a good part of each; a class-data archive
   * (AppCDS, through the launcher's KITH_JAVA_OPTS) cuts it. It changes how classes load, nothing the vault does.
   * Made by a node in a throwaway home that takes one API write and one import, then stops on SIGTERM (the JVM
   * writes the archive at exit); if that fails the storm runs without it.
   */
  private static Launcher withClassArchive(Launcher plain, Path scratch, Map<String, String> env, String javaOpts)
      throws IOException, InterruptedException {
    Path archive = scratch.resolve("kith.jsa");
    Path home = scratch.resolve("home-warmup");
    Launcher.Result init = plain.run(home, "init", "--name", "Warm-up");
    if (init.exit() != 0) {
      throw new IOException("kith init failed (" + init.exit() + "): " + Launcher.tail(init.err()));
    }
    Map<String, String> dumpEnv = new HashMap<>(env);
    dumpEnv.put("KITH_JAVA_OPTS", javaOpts + " -XX:ArchiveClassesAtExit=" + archive);
    int exit = -1;
    try {
      RunningNode node = RunningNode.start(new Launcher(plain.kith(), dumpEnv, plain.logs()), home);
      try {
        com.google.gson.JsonObject note = new com.google.gson.JsonObject();
        note.addProperty("text", "warm-up note");
        node.call("POST", "/v1/notes", note);
        Path folder = Files.createDirectories(scratch.resolve("warmup-import"));
        Files.writeString(folder.resolve("warm-up.md"), "# Warm-up\n\nA file to import.\n");
        com.google.gson.JsonObject imp = new com.google.gson.JsonObject();
        com.google.gson.JsonArray paths = new com.google.gson.JsonArray();
        paths.add(folder.toString());
        imp.add("paths", paths);
        node.call("POST", "/v1/notes/import", imp);
      } finally {
        exit = node.stop();
      }
    } catch (RunningNode.DidNotStart | IOException e) {
      System.err.println("# killstorm: no class-data archive: " + e.getMessage());
    }
    Storm.deleteTree(home);
    if (!Files.isRegularFile(archive)) {
      System.err.println("# killstorm: no class-data archive (the node's exit: " + exit + "); running without");
      return plain;
    }
    Map<String, String> e = new HashMap<>(env);
    e.put("KITH_JAVA_OPTS", javaOpts + " -XX:SharedArchiveFile=" + archive);
    return new Launcher(plain.kith(), e, plain.logs());
  }

  /** One thread per scenario; at most {@code lanes} of them run a round at a time. */
  private static void runAll(List<Scenario> scenarios, int lanes) throws InterruptedException {
    Semaphore permits = new Semaphore(Math.max(1, lanes), true);
    List<Thread> threads = new ArrayList<>();
    for (Scenario sc : scenarios) {
      Thread t = new Thread(() -> runScenario(sc, permits), "killstorm-" + sc.name);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  private static void runScenario(Scenario sc, Semaphore permits) {
    int errors = 0;
    try {
      permits.acquire();
      try {
        sc.setUp();
      } finally {
        permits.release();
      }
      long lastReport = System.nanoTime();
      while (!sc.done()) {
        permits.acquire();
        try {
          sc.cycle();
          errors = 0;
        } catch (IOException | RuntimeException e) {
          errors++;
          sc.tally.failures++;
          sc.log("round failed: " + e);
          if (errors >= Scenario.MAX_ERRORS_IN_A_ROW) {
            sc.stopped = errors + " rounds failed in a row";
          }
        } finally {
          permits.release();
        }
        if (System.nanoTime() - lastReport > 60_000_000_000L) {
          lastReport = System.nanoTime();
          sc.log(sc.tally.killsTotal + "/" + sc.quota + " kills, " + sc.tally.acknowledgedWrites + " acknowledged, "
              + sc.tally.acknowledgedWritesLost + " lost, " + sc.tally.vaultsUnopenable + " unopenable");
        }
      }
    } catch (Exception e) {
      sc.tally.failures++;
      sc.stopped = "setup or round failed: " + e;
      sc.log(sc.stopped);
    } finally {
      sc.tearDown();
    }
    if (sc.stopped != null) {
      sc.log("stopped after " + sc.tally.killsTotal + " of " + sc.quota + " kills: " + sc.stopped);
    }
  }

  /** Prints every figure; returns the exit status: 1 if a write was lost or a vault did not open. */
  private static int printFigures(Report report, List<Scenario> scenarios, long t0) {
    long killsTotal = 0;
    long afterOpen = 0;
    long afterEnd = 0;
    long acknowledged = 0;
    long lost = 0;
    long unopenable = 0;
    long failures = 0;
    boolean incomplete = false;
    for (Scenario sc : scenarios) {
      Tally t = sc.tally;
      t.print(report, sc.name, sc.midWorkName());
      killsTotal += t.killsTotal;
      afterOpen += t.killsAfterOpen;
      afterEnd += t.killsAfterEnd;
      acknowledged += t.acknowledgedWrites;
      lost += t.acknowledgedWritesLost;
      unopenable += t.vaultsUnopenable;
      failures += t.failures;
      incomplete |= sc.stopped != null;
    }
    report.count("killstorm_kills_total", killsTotal, "kills");
    report.count("killstorm_kills_after_vault_open", afterOpen, "kills");
    report.count("killstorm_kills_after_end", afterEnd, "kills");
    report.count("killstorm_acknowledged_writes", acknowledged, "writes");
    report.count("killstorm_acknowledged_writes_lost", lost, "writes");
    report.count("killstorm_vaults_unopenable", unopenable, "vaults");
    report.count("killstorm_failures", failures, "runs");
    report.figure("killstorm_wall", (System.nanoTime() - t0) / 1e9, "s");
    if (lost > 0 || unopenable > 0) {
      System.err.println("# killstorm: FAILED: " + lost + " acknowledged writes lost, " + unopenable
          + " vaults that do not open");
      return 1;
    }
    if (incomplete) {
      System.err.println("# killstorm: FAILED: a scenario stopped before its kills were delivered");
      return 1;
    }
    return 0;
  }
}
