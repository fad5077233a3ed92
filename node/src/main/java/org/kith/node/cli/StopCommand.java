package org.kith.node.cli;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kith.node.api.RunFiles;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;
import picocli.CommandLine.Command;

/** Asks the running node of this home to stop, and waits until it has let go of the vault. */
@Command(name = "stop", mixinStandardHelpOptions = true,
    description = {"Stop the node that `kith start` runs for this home.",
      "Whether it runs in another terminal, in the background or as a service, it closes its connections and the",
      "vault cleanly, as Ctrl-C does."})
final class StopCommand implements Callable<Integer> {
  /**
   * How long the node may take to close after it said it stops: a safety net for a node that hangs, not a
   * measure. Closing waits for the vault's last writes, which a busy machine can make slow.
   */
  static final Duration STOP_LIMIT = Duration.ofSeconds(120);
  private static final long POLL_MILLIS = 50;

  @Override
  public Integer call() throws KithException {
    Kith.Context c = Kith.ctx;
    Terminal t = c.terminal();
    Home home = c.resolveHome();
    if (c.api().isEmpty()) {
      throw KithException.badInput("no node is running for " + home.dir() + "; nothing to stop (`kith status`"
          + " tells whether one runs; give --home for another home folder)");
    }
    c.call("POST", "/v1/stop", Map.of(), new JsonObject());
    // The node removes its run files last, after the vault is closed: once they are gone, the vault is free.
    long deadline = System.nanoTime() + STOP_LIMIT.toNanos();
    while (RunFiles.present(home)) {
      if (RunFiles.ownerGone(home)) {
        // It ended without removing them (killed while closing): they only mislead the next command.
        RunFiles.clear(home);
        break;
      }
      if (System.nanoTime() > deadline) {
        throw KithException.badInput("the node of " + home.dir() + " said it stops but is still closing after "
            + STOP_LIMIT.toSeconds() + " s; look at its terminal or log, and run `kith stop` again");
      }
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw KithException.badInput("interrupted while waiting for the node to stop");
      }
    }
    JsonObject o = new JsonObject();
    o.addProperty("home", home.dir().toString());
    o.addProperty("stopped", true);
    t.json(o);
    t.say("Stopped the node of " + home.dir() + ".");
    return 0;
  }
}
