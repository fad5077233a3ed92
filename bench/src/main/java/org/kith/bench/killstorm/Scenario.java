package org.kith.bench.killstorm;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/** One way of killing Kith. Each scenario has its own homes, ledger and tally, and runs on its own thread. */
abstract class Scenario {
  /** Failures of the harness itself in a row (not kills, not findings) before a scenario gives up. */
  static final int MAX_ERRORS_IN_A_ROW = 5;

  final String name;
  final Storm storm;
  final int quota;
  final Tally tally = new Tally();
  final Ledger ledger = new Ledger();
  final SplittableRandom random;
  /** Set when the scenario cannot go on (a vault that will not open); the reason is printed. */
  String stopped;

  Scenario(String name, Storm storm, int quota, long seed) {
    this.name = name;
    this.storm = storm;
    this.quota = quota;
    this.random = new SplittableRandom(seed);
  }

  /** Creates the homes (and starts what must run throughout). Not counted. */
  abstract void setUp() throws Exception;

  /** One round: at most one SIGKILL, then the checks after it. */
  abstract void cycle() throws Exception;

  /** Stops what {@link #setUp} started. */
  void tearDown() {}

  /** The name of the {@link Tally#killsMidWork} figure, or null if the scenario has none. */
  String midWorkName() {
    return null;
  }

  boolean done() {
    return stopped != null || tally.killsTotal >= quota;
  }

  void log(String message) {
    System.err.println("# killstorm: " + name + ": " + message);
  }

  Path init(Path home, String displayName) throws IOException, InterruptedException {
    Launcher.Result r = storm.launcher.run(home, "init", "--name", displayName);
    if (r.exit() != 0) {
      throw new IOException("kith init failed (" + r.exit() + "): " + Launcher.tail(r.err()));
    }
    return home;
  }

  /**
   * After a kill: {@code kith note list --json} must open the vault, and every write the ledger holds must be in
   * it. A vault that will not open is tried once more before it counts; then the scenario stops, since every
   * later kill would find the same. Returns the list, or null if the vault did not open.
   */
  JsonArray checkVault(Path home, Ledger ledger) throws IOException, InterruptedException {
    Launcher.Result r = storm.launcher.run(home, "note", "list");
    JsonArray list = parseList(r);
    if (list == null) {
      log("the vault did not open after a kill (exit " + r.exit() + "): " + Launcher.tail(r.err()) + "; again in 2 s");
      Thread.sleep(2000);
      Launcher.Result again = storm.launcher.run(home, "note", "list");
      list = parseList(again);
      if (list == null) {
        tally.vaultsUnopenable++;
        storm.keep(name, home, "after kill " + tally.killsTotal + " the vault did not open: `kith note list --json`"
            + " exited " + again.exit() + "; stderr: " + again.err().strip() + "\nstdout: " + again.out().strip());
        stopped = "a vault that does not open";
        return null;
      }
    }
    List<Ledger.Entry> missing = ledger.check(list);
    if (!missing.isEmpty()) {
      tally.acknowledgedWritesLost += missing.size();
      storm.keep(name, home, "after kill " + tally.killsTotal + ", " + missing.size() + " acknowledged writes are"
          + " missing from `kith note list --json`: " + missing);
    }
    return list;
  }

  private static JsonArray parseList(Launcher.Result r) {
    if (r.exit() != 0) {
      return null;
    }
    try {
      JsonElement e = JsonParser.parseString(r.out());
      return e.isJsonArray() ? e.getAsJsonArray() : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The inode of the lock a read-write RocksDB open takes first ({@code db/LOCK}); see {@link ProcLocks}. */
  static long dbLockInode(Path home) throws IOException {
    Path lock = home.resolve("vault").resolve("db").resolve("LOCK");
    return ProcLocks.inode(Files.exists(lock) ? lock : home.resolve("vault").resolve("vault.lock"));
  }

  /** Sleeps until {@code deadlineNanos} (System.nanoTime), without drifting on interrupts. */
  static void sleepUntil(long deadlineNanos) throws InterruptedException {
    long left;
    while ((left = deadlineNanos - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  static double millis(long nanos) {
    return nanos / 1e6;
  }
}
