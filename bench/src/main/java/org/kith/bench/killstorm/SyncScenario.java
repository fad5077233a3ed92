package org.kith.bench.killstorm;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.model.EmbeddingException;

/**
 * Two homes paired on loopback: the author's node runs throughout and signs offers for the circle; the reader's
 * node is killed while it pulls them. Each round the reader starts, catches up, then the author signs a batch of
 * offers (the author's hint makes the reader pull, and the storm also asks it with {@code POST /v1/sync}), and
 * the reader is killed at a random moment of that sync.
 *
 * <p>Acknowledged: the largest {@code held} the reader reported ({@code POST /v1/sync}) before the kill. After
 * the kill, {@code kith note list --json} must open the reader's vault, and the number of records it holds,
 * counted by opening the vault in this process without starting the node (so nothing is pulled first), must not
 * be lower than any count acknowledged or seen before.
 */
final class SyncScenario extends Scenario {
  static final String CIRCLE = "neighbours";
  /** The reader keeps at most 10,000 records per peer (RecordStore.MAX_RECORDS_PER_PEER); stay under it. */
  static final int MAX_RECORDS = 9000;
  static final int SEED_OFFERS = 20;
  static final long MAX_CATCH_UP_MILLIS = 120_000;
  static final int RECALIBRATE_EVERY = 20;

  private final Path authorHome;
  private final Path readerHome;
  private final int batch;
  private RunningNode author;
  /** Offers the author signed (each acknowledged by its 200). */
  private final AtomicLong shared = new AtomicLong();
  /** The lowest count the reader may hold after a kill. */
  private long floor;
  private double windowMillis = -1;
  private int killsSinceCalibration;

  SyncScenario(Storm storm, int quota, long seed) {
    super("sync", storm, quota, seed);
    this.authorHome = storm.scratch.resolve("home-sync-author");
    this.readerHome = storm.scratch.resolve("home-sync-reader");
    tally.openName = "node_start_median";
    tally.afterOpenName = "sync_window_median";
    this.batch = Math.max(5, Math.min(30, (MAX_RECORDS - SEED_OFFERS) / Math.max(1, quota + quota / RECALIBRATE_EVERY + 1)));
  }

  @Override
  String midWorkName() {
    return "kills_mid_sync";
  }

  @Override
  void setUp() throws Exception {
    init(authorHome, "Storm author");
    init(readerHome, "Storm reader");
    author = RunningNode.start(storm.launcher, authorHome);
    // The invite through the author's API, as `kith invite` does while the node runs; not by that command,
    // because on a very busy machine its 3 s probe of the node (ApiClient.find) can time out, and the command
    // then tries to open the vault the node holds and fails (exit 3).
    JsonObject inviteBody = new JsonObject();
    inviteBody.addProperty("circle", CIRCLE);
    String code = author.call("POST", "/v1/invites", inviteBody).getAsJsonObject().get("code").getAsString();
    Launcher.Result pair = storm.launcher.run(readerHome, "pair", code, "--timeout", "120s");
    if (pair.exit() != 0) {
      throw new IOException("kith pair failed (" + pair.exit() + "): " + Launcher.tail(pair.err()));
    }
    offer(SEED_OFFERS, new AtomicBoolean());
  }

  @Override
  void tearDown() {
    if (author != null) {
      try {
        author.stop();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  void cycle() throws Exception {
    if (!author.alive()) {
      tally.failures++;
      log("the author's node ended by itself (exit " + author.spawned.process.exitValue() + "); starting it again");
      author = RunningNode.start(storm.launcher, authorHome);
    }
    RunningNode reader;
    try {
      reader = RunningNode.start(storm.launcher, readerHome);
    } catch (RunningNode.DidNotStart e) {
      tally.failures++;
      log(e.getMessage());
      checkVault(readerHome, ledger);
      return;
    }
    tally.openMs.add(millis(reader.runningNanos - reader.spawned.startNanos));
    AtomicLong held = new AtomicLong(-1);
    long deadline = System.nanoTime() + MAX_CATCH_UP_MILLIS * 1_000_000;
    while (held.get() < shared.get() && System.nanoTime() < deadline && reader.alive()) {
      long before = held.get();
      sync(reader, held);
      if (held.get() == before) {
        Thread.sleep(50);
      }
    }
    if (held.get() < shared.get()) {
      tally.failures++;
      log("the reader holds " + held.get() + " of " + shared.get() + " records after " + MAX_CATCH_UP_MILLIS
          + " ms of syncing");
    }
    boolean calibrate = windowMillis < 0 || killsSinceCalibration >= RECALIBRATE_EVERY;
    AtomicBoolean stop = new AtomicBoolean();
    long t0 = System.nanoTime();
    Thread adder = new Thread(() -> offer(batch, stop), "killstorm-sync-author");
    Thread puller = new Thread(() -> {
      while (!stop.get() && reader.alive()) {
        sync(reader, held);
      }
    }, "killstorm-sync-reader");
    adder.setDaemon(true);
    puller.setDaemon(true);
    adder.start();
    puller.start();
    if (calibrate) {
      adder.join();
      long target = shared.get();
      deadline = System.nanoTime() + MAX_CATCH_UP_MILLIS * 1_000_000;
      while (held.get() < target && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      windowMillis = millis(System.nanoTime() - t0);
      tally.afterOpenMs.add(windowMillis);
      stop.set(true);
      puller.join(RunningNode.MAX_REQUEST.toMillis() + 5000);
      reader.stop();
      tally.runsUnkilled++;
      killsSinceCalibration = 0;
      floor = Math.max(floor, held.get());
      tally.acknowledgedWrites = floor;
      return;
    }
    Thread.sleep(random.nextLong((long) windowMillis + 1));
    long sharedAtKill = shared.get();
    int exit = Launcher.kill(reader.spawned);
    stop.set(true);
    adder.join(RunningNode.MAX_REQUEST.toMillis() * 2);
    puller.join(RunningNode.MAX_REQUEST.toMillis() + 5000);
    reader.deleteOutput();
    tally.killsTotal++;
    killsSinceCalibration++;
    if (exit == Launcher.KILLED) {
      tally.killsAfterOpen++;
    } else {
      tally.killsAfterEnd++;
      tally.failures++;
      log("the reader's node had ended by itself (exit " + exit + ") before its kill");
    }
    floor = Math.max(floor, held.get());
    tally.acknowledgedWrites = floor;
    if (checkVault(readerHome, ledger) == null) {
      return;
    }
    long after = heldOnDisk();
    if (after < floor) {
      tally.acknowledgedWritesLost = Math.max(tally.acknowledgedWritesLost, floor - after);
      storm.keep(name, readerHome, "after kill " + tally.killsTotal + " the reader holds " + after
          + " records; it had reported holding " + floor);
    }
    if (after < sharedAtKill) {
      tally.killsMidWork++;
    }
    floor = Math.max(floor, after);
  }

  /** Records the reader holds, from its vault opened here without starting the node: nothing is pulled first. */
  private long heldOnDisk() throws Exception {
    KithNode.Options noModel = KithNode.Options.of(d -> {
      throw new EmbeddingException("the kill storm counts records without the model");
    });
    try (KithNode n = KithNode.open(new Home(readerHome), storm.passphrase.clone(), noModel)) {
      return n.records().peerCount();
    }
  }

  /** One POST /v1/sync on the reader; remembers the largest count it reported. */
  private static void sync(RunningNode reader, AtomicLong held) {
    try {
      long h = reader.call("POST", "/v1/sync", null).getAsJsonObject().get("held").getAsLong();
      held.accumulateAndGet(h, Math::max);
    } catch (IOException e) {
      pause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void offer(int count, AtomicBoolean stop) {
    for (int i = 0; i < count && !stop.get(); i++) {
      JsonObject body = new JsonObject();
      body.addProperty("text", storm.marker("o") + " offer from the kill storm: I can lend a ladder, number " + i);
      body.addProperty("circle", CIRCLE);
      try {
        author.call("POST", "/v1/offers", body);
        shared.incrementAndGet();
      } catch (IOException e) {
        log("the author could not sign an offer: " + e.getMessage());
        pause();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
