package org.kith.node.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.kith.node.base.KithException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Opens the running node's page in a browser through a fresh one-time login link. */
@Command(name = "ui", mixinStandardHelpOptions = true,
    description = {"Open your node's page in the browser (the node must be running: `kith start`).",
      "Prints a one-time login link; the page then keeps you logged in with a cookie until you log out."})
final class UiCommand implements Callable<Integer> {
  @Option(names = "--no-open", description = "Only print the link; do not start a browser.")
  boolean noOpen;

  @Override
  public Integer call() throws KithException {
    Kith.Context c = Kith.ctx;
    Terminal t = c.terminal();
    if (c.api().isEmpty()) {
      throw KithException.badInput("no node is running for " + c.resolveHome().dir()
          + ": start it with `kith start`, then run `kith ui`");
    }
    JsonObject o = c.call("POST", "/v1/ui/login", Map.of(), new JsonObject()).getAsJsonObject();
    String url = o.get("url").getAsString();
    t.json(o);
    t.say(url);
    if (!noOpen && c.interactive && !c.json) {
      try {
        Process p = new ProcessBuilder("xdg-open", url).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor(5, TimeUnit.SECONDS);
      } catch (IOException e) {
        t.note("Open that link in your browser (no xdg-open here).");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return 0;
  }
}
