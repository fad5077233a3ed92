package org.kith.node.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;
import org.kith.node.peers.ListenConfig;
import org.kith.node.app.KithNode;
import org.kith.node.api.ApiServer;
import org.kith.node.api.Router;
import org.kith.node.api.RunFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the node in the foreground until Ctrl-C or SIGTERM. */
@Command(name = "start", mixinStandardHelpOptions = true,
    description = {"Run your node in the foreground, for your peers and the local page.",
      "It listens for paired peers, keeps connections to them, and serves the local API that other kith commands",
      "use while it runs. Ctrl-C or SIGTERM stops it cleanly."})
final class StartCommand implements Callable<Integer> {
  @Option(names = "--listen", paramLabel = "HOST:PORT",
      description = "Where peers reach you (default: the last one used, else 0.0.0.0:7347).")
  String listen;

  @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "0",
      description = "Local API port on 127.0.0.1 (default: any free port; commands find it in the home folder).")
  int apiPort;

  @Override
  public Integer call() throws KithException {
    Kith.Context c = Kith.ctx;
    Terminal t = c.terminal();
    Home home = c.resolveHome();
    if (c.api().isPresent()) {
      throw KithException.badInput("a node is already running for " + home.dir() + " (API port " + c.api().get().port()
          + "); stop it first");
    }
    KithNode node = c.openNode();
    ApiServer api = null;
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean closing = new AtomicBoolean();
    try {
      node.notes().ensureIndex();
      ListenConfig cfg = listen != null ? ListenConfig.parse(listen) : ListenConfig.load(node.vault());
      node.start(cfg);
      api = new ApiServer(new Router(node), RunFiles.newToken(home));
      InetSocketAddress apiAddr = api.start(apiPort);
      RunFiles.writeRunInfo(home, new RunFiles.RunInfo(apiAddr.getPort(), node.listenAddress(),
          ProcessHandle.current().pid()));
      ApiServer apiRef = api;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        if (closing.compareAndSet(false, true)) {
          RunFiles.clear(home);
          apiRef.close();
          node.close();
          stopped.countDown();
        }
      }, "kith-shutdown"));
      String name = node.identity().name();
      int paired = node.peerBook().paired().size();
      com.google.gson.JsonObject o = new com.google.gson.JsonObject();
      o.addProperty("id", node.id().text());
      o.addProperty("listen", node.listenAddress());
      o.addProperty("api", "http://127.0.0.1:" + apiAddr.getPort() + "/v1/");
      o.addProperty("peers", paired);
      t.json(o);
      t.say("Kith node running for " + (name.isEmpty() ? "you" : name) + " (" + node.id().text() + ")");
      t.say("  listening on " + node.listenAddress() + " for paired peers; reachable at "
          + String.join(", ", node.advertised()));
      t.say("  local API on http://127.0.0.1:" + apiAddr.getPort() + "/v1/ (token in " + home.dir().resolve(
          RunFiles.TOKEN_FILE) + ")");
      t.say("  Open the page: " + api.loginUrl() + "  (one-time link; `kith ui` makes another)");
      t.say("  " + paired + " paired peers, " + node.notes().count() + " notes. Ctrl-C to stop.");
      c.out.flush();
    } catch (KithException | IOException | RuntimeException e) {
      if (api != null) {
        api.close();
      }
      RunFiles.clear(home);
      node.close();
      if (e instanceof KithException ke) {
        throw ke;
      }
      throw KithException.badInput("the node could not start: " + e.getMessage());
    }
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
