package org.kith.bench.killstorm;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A command that opens the vault itself, writes and ends ({@code note add}, {@code note import}), killed at a
 * random moment between the vault being open and the command's end.
 *
 * <p>"Open" is seen from outside, as the process taking RocksDB's lock ({@link ProcLocks}); a fixed delay would
 * be wrong on a busy machine, where the JVM, Argon2id and the model take anywhere from 1 to 20 s. The end is not
 * known in advance, so each kill is drawn uniformly from [open, open + median of the last {@link #WINDOW} measured
 * times from open to end]. Those are measured by unkilled runs (two at first, then one every
 * {@link #RECALIBRATE_EVERY} kills) and by every run that ended before its kill came. Such a kill (exit status 0,
 * not 137) is counted apart: it is no storm.
 */
abstract class OneShotScenario extends Scenario {
  /** Unkilled runs before the first kill. */
  static final int CALIBRATION_RUNS = 2;
  /** A new unkilled run after this many kills, so the window follows the machine's load and the vault's growth. */
  static final int RECALIBRATE_EVERY = 10;
  /** Measurements the window is the median of. */
  static final int WINDOW = 5;
  /** How often /proc/locks is read while waiting for the open: the kill is drawn after it, so a few ms late is fine. */
  private static final long POLL_MILLIS = 5;

  final Path home;
  private final List<Double> window = new ArrayList<>();
  private int killsSinceCalibration;

  OneShotScenario(String name, Storm storm, int quota, long seed) {
    super(name, storm, quota, seed);
    this.home = storm.scratch.resolve("home-" + name);
  }

  /** The command's arguments, with the marker words of the notes it writes added to {@code markers}. */
  abstract String[] command(List<String> markers) throws IOException;

  /** Adds what the output acknowledges to the ledger; returns how many writes. */
  abstract int acknowledge(String stdout, List<String> markers);

  @Override
  void setUp() throws Exception {
    init(home, "Storm " + name);
  }

  @Override
  void cycle() throws Exception {
    boolean calibrate = window.size() < CALIBRATION_RUNS || killsSinceCalibration >= RECALIBRATE_EVERY;
    long inode = dbLockInode(home);
    List<String> markers = new ArrayList<>();
    Launcher.Spawned s = storm.launcher.spawn(home, command(markers));
    long open = waitOpen(s, inode);
    if (open < 0) {
      Launcher.Result r = storm.launcher.finish(s);
      tally.failures++;
      log("the command ended (exit " + r.exit() + ") before it was seen holding the vault: " + Launcher.tail(r.err()));
      tally.acknowledgedWrites += acknowledge(r.out(), markers);
      return;
    }
    tally.openMs.add(millis(open - s.startNanos));
    if (calibrate) {
      Launcher.Result r = storm.launcher.finish(s);
      tally.runsUnkilled++;
      killsSinceCalibration = 0;
      if (r.exit() != 0) {
        tally.failures++;
        log("an unkilled run failed (exit " + r.exit() + "): " + Launcher.tail(r.err()));
      } else {
        measured(s.endNanos.join() - open);
      }
      tally.acknowledgedWrites += acknowledge(r.out(), markers);
      return;
    }
    long span = (long) (Tally.median(window) * 1e6);
    sleepUntil(open + random.nextLong(span + 1));
    int exit = Launcher.kill(s);
    tally.killsTotal++;
    killsSinceCalibration++;
    if (exit == Launcher.KILLED) {
      tally.killsAfterOpen++;
    } else if (exit == 0) {
      tally.killsAfterEnd++;
      measured(s.endNanos.join() - open);
    } else {
      tally.failures++;
      log("a command failed by itself before its kill (exit " + exit + "): " + Launcher.tail(s.err()));
    }
    tally.acknowledgedWrites += acknowledge(s.out(), markers);
    Files.deleteIfExists(s.out);
    Files.deleteIfExists(s.err);
    checkVault(home, ledger);
  }

  private void measured(long openToEndNanos) {
    window.add(millis(openToEndNanos));
    while (window.size() > WINDOW) {
      window.remove(0);
    }
    tally.afterOpenMs.add(millis(openToEndNanos));
  }

  /** System.nanoTime when the process was first seen holding RocksDB's lock, or -1 if it ended first. */
  private static long waitOpen(Launcher.Spawned s, long inode) throws IOException, InterruptedException {
    long deadline = s.startNanos + Launcher.MAX_COMMAND.toNanos();
    while (s.process.isAlive() && System.nanoTime() < deadline) {
      if (ProcLocks.holds(s.pid(), inode)) {
        return System.nanoTime();
      }
      Thread.sleep(POLL_MILLIS);
    }
    return -1;
  }

  /** The JSON object a command printed with {@code --json}, if it printed one whole. */
  static JsonObject printedObject(String stdout) {
    for (String line : stdout.split("\n")) {
      String l = line.strip();
      if (l.startsWith("{")) {
        try {
          return JsonParser.parseString(l).getAsJsonObject();
        } catch (RuntimeException e) {
          return null;
        }
      }
    }
    return null;
  }
}
