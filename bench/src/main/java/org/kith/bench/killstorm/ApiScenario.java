package org.kith.bench.killstorm;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A running node ({@code kith start}) taking {@code POST /v1/notes} from {@link #WRITERS} clients at once, killed
 * at a random moment up to {@link #KILL_WINDOW_MILLIS} after its first acknowledged write (the first write also
 * loads the model, so waiting for it puts the kills among writes that reach the vault). A write is acknowledged
 * when its HTTP 200 with the note's id arrived, even if that was after the kill was sent.
 */
final class ApiScenario extends Scenario {
  static final int WRITERS = 2;
  static final long KILL_WINDOW_MILLIS = 3000;
  static final long MAX_FIRST_WRITE_MILLIS = 180_000;

  private final Path home;

  ApiScenario(Storm storm, int quota, long seed) {
    super("api", storm, quota, seed);
    this.home = storm.scratch.resolve("home-api");
    tally.openName = "node_start_median";
  }

  @Override
  String midWorkName() {
    return "kills_mid_write";
  }

  @Override
  void setUp() throws Exception {
    init(home, "Storm api");
  }

  /** A short pause after a refused write (503 busy); false if interrupted. */
  private static boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  @Override
  void cycle() throws Exception {
    RunningNode node;
    try {
      node = RunningNode.start(storm.launcher, home);
    } catch (RunningNode.DidNotStart e) {
      tally.failures++;
      log(e.getMessage());
      checkVault(home, ledger);
      return;
    }
    tally.openMs.add(millis(node.runningNanos - node.spawned.startNanos));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicLong acked = new AtomicLong();
    CountDownLatch firstAck = new CountDownLatch(1);
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      Thread t = new Thread(() -> {
        while (!stop.get()) {
          String marker = storm.marker("p");
          JsonObject body = new JsonObject();
          body.addProperty("text", marker + " was written by the kill storm through the node's API");
          inFlight.incrementAndGet();
          try {
            JsonObject n = node.call("POST", "/v1/notes", body).getAsJsonObject();
            ledger.add(marker, n.get("id").getAsString());
            acked.incrementAndGet();
            firstAck.countDown();
          } catch (IOException e) {
            if (!node.alive() || !pause(100)) {
              break;
            }
          } catch (InterruptedException e) {
            break;
          } finally {
            inFlight.decrementAndGet();
          }
        }
      }, "killstorm-api-writer-" + w);
      t.setDaemon(true);
      t.start();
      writers.add(t);
    }
    if (!firstAck.await(MAX_FIRST_WRITE_MILLIS, TimeUnit.MILLISECONDS)) {
      log("no write was acknowledged within " + MAX_FIRST_WRITE_MILLIS + " ms; killing anyway");
    }
    Thread.sleep(random.nextLong(KILL_WINDOW_MILLIS + 1));
    boolean midWrite = inFlight.get() > 0;
    int exit = Launcher.kill(node.spawned);
    stop.set(true);
    for (Thread t : writers) {
      t.join(RunningNode.MAX_REQUEST.toMillis() + 5000);
    }
    tally.killsTotal++;
    if (exit == Launcher.KILLED) {
      tally.killsAfterOpen++;
      if (midWrite) {
        tally.killsMidWork++;
      }
    } else {
      tally.killsAfterEnd++;
      tally.failures++;
      log("the node had ended by itself (exit " + exit + ") before its kill: " + Launcher.tail(node.spawned.err()));
    }
    tally.acknowledgedWrites += acked.get();
    node.deleteOutput();
    checkVault(home, ledger);
  }
}
