package org.kith.node.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;
import org.kith.node.peers.ListenConfig;
import org.kith.node.reach.LanConfig;
import org.kith.node.reach.LibraryPortMapping;
import org.kith.node.reach.Reachability;
import org.kith.node.app.KithNode;
import org.kith.node.api.ApiServer;
import org.kith.node.api.Router;
import org.kith.node.api.RunFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the node in the foreground until Ctrl-C, SIGTERM or {@code kith stop}. */
@Command(name = "start", mixinStandardHelpOptions = true,
    description = {"Run your node in the foreground, for your peers and the local page.",
      "It listens for paired peers, keeps connections to them, and serves the local API and page that other kith",
      "commands use while it runs. Ctrl-C, SIGTERM or `kith stop` stops it cleanly."})
final class StartCommand implements Callable<Integer> {
  /** Where the page and the local API are, unless {@code --api-port} says otherwise: a link that stays valid. */
  static final int DEFAULT_API_PORT = 7348;

  @Option(names = "--listen", paramLabel = "HOST:PORT",
      description = "Where peers reach you (default: the last one used, else 0.0.0.0:7347).")
  String listen;

  @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "" + DEFAULT_API_PORT,
      description = "Port of the local API and page on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0: any free port;"
          + " commands find it in the home folder).")
  int apiPort;

  @Option(names = "--no-lan-beacon",
      description = "Do not look for paired peers on the local network (UDP broadcast on port 7349).")
  boolean noLanBeacon;

  @Option(names = "--no-port-mapping",
      description = "Do not ask the home router to forward the peer port (UPnP-IGD, NAT-PMP, PCP). Without it, the"
          + " node asks the gateway of the local network, nothing beyond, and never for a loopback port.")
  boolean noPortMapping;

  @Override
  public Integer call() throws KithException {
    Kith.Context c = Kith.ctx;
    Terminal t = c.terminal();
    Home home = c.resolveHome();
    if (apiPort < 0 || apiPort > 65535) {
      throw KithException.badInput("--api-port is a port from 1 to 65535, or 0 for any free port: " + apiPort);
    }
    if (c.api().isPresent()) {
      throw KithException.badInput("a node is already running for " + home.dir() + " (API port " + c.api().get().port()
          + "); stop it first with `kith stop`");
    }
    KithNode node = c.openNode();
    ApiServer api = null;
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicBoolean closing = new AtomicBoolean();
    Thread hook = null;
    try {
      node.notes().ensureIndex();
      ListenConfig cfg = listen != null ? ListenConfig.parse(listen) : ListenConfig.load(node.vault());
      api = new ApiServer(new Router(node), RunFiles.newToken(home));
      InetSocketAddress apiAddr;
      try {
        apiAddr = api.start(apiPort);
      } catch (IOException e) {
        throw KithException.badInput(apiPort == 0 ? e.getMessage()
            : "the local API port " + apiPort + " on 127.0.0.1 is taken (another Kith node, or another program):"
                + " start with --api-port N for another port, or --api-port 0 for any free one");
      }
      node.start(cfg, noLanBeacon ? LanConfig.OFF : LanConfig.DEFAULT,
          noPortMapping ? null : LibraryPortMapping::create);
      RunFiles.writeRunInfo(home, new RunFiles.RunInfo(apiAddr.getPort(), node.listenAddress(),
          ProcessHandle.current().pid()));
      ApiServer apiRef = api;
      // One way down for all three causes; the second caller finds it taken and does nothing. The run files go
      // last: once they are gone, the vault is free for the next command.
      Runnable shutdown = () -> {
        if (closing.compareAndSet(false, true)) {
          c.err.println("Stopping…");
          apiRef.close();
          node.close();
          RunFiles.clear(home);
          c.err.println("Stopped.");
          c.err.flush();
          stopped.countDown();
        }
      };
      hook = new Thread(shutdown, "kith-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      api.onStop(shutdown);
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
      t.say(node.lan().isPresent()
          ? "  looking for paired peers on the local network (UDP " + LanConfig.DEFAULT_PORT
              + "; --no-lan-beacon turns it off)"
          : "  not looking for peers on the local network" + (noLanBeacon ? " (--no-lan-beacon)" : ""));
      t.say(noPortMapping ? "  not asking the router to forward the peer port (--no-port-mapping)"
          : Reachability.loopbackOnly(cfg.host()) ? "  no port mapping: listening on loopback only"
          : "  asking the home router to forward the peer port, in the background (--no-port-mapping turns it off)");
      t.say("  local API on http://127.0.0.1:" + apiAddr.getPort() + "/v1/ (token in " + home.dir().resolve(
          RunFiles.TOKEN_FILE) + ")");
      t.say("  Open the page: " + api.loginUrl() + "  (one-time link; `kith ui` makes another)");
      t.say("  " + paired + " paired peers, " + node.notes().count() + " notes. Ctrl-C to stop (or `kith stop`).");
      c.out.flush();
    } catch (KithException | IOException | RuntimeException e) {
      if (api != null) {
        api.close();
      }
      node.close();
      RunFiles.clear(home);
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
    try {
      // Stopped by `kith stop`: the hook has nothing left to do (and would pile up when tests start nodes in-process).
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down: the hook is running or ran.
    }
    return 0;
  }
}
