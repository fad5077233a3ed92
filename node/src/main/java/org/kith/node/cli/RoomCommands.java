package org.kith.node.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.node.base.KithException;
import org.kith.node.peers.HostPort;
import org.kith.node.peers.ListenConfig;
import org.kith.node.reach.RoomCode;
import org.kith.node.reach.RoomHome;
import org.kith.node.reach.RoomLimits;
import org.kith.node.reach.RoomServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kith room ...} (run a room) and {@code kith rooms ...} (a node's rooms). */
final class RoomCommands {
  /** Where rooms listen unless told otherwise. */
  static final int DEFAULT_PORT = 7350;
  static final Duration MAX_EXPIRY = Duration.ofDays(30);

  private RoomCommands() {}

  /** A room's home: --home, else $KITH_ROOM_HOME, else ~/.kith-room; never a node's home by default. */
  static RoomHome roomHome() {
    Kith.Context c = Kith.ctx;
    if (c.home != null) {
      return new RoomHome(c.home);
    }
    String env = c.env.get("KITH_ROOM_HOME");
    if (env != null && !env.isBlank()) {
      return new RoomHome(Path.of(env));
    }
    String userHome = c.env.get("HOME");
    if (userHome == null || userHome.isBlank()) {
      userHome = System.getProperty("user.home");
    }
    return new RoomHome(Path.of(userHome, ".kith-room"));
  }

  @Command(name = "room", mixinStandardHelpOptions = true,
      description = {"Run a room, a relay that lets members of your community reach each other from any home.",
        "Members keep a connection to it, so that two of them behind home routers can still reach each other.",
        "It only ever relays their end-to-end encrypted bytes,",
        "and stores nothing but its key and its members' keys. Its home: --home, $KITH_ROOM_HOME or ~/.kith-room."},
      subcommands = {Init.class, Start.class, Invite.class})
  static final class Room implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(Kith.ctx.out);
    }
  }

  @Command(name = "init", mixinStandardHelpOptions = true, description = "Make a new room: its key and its name.")
  static final class Init implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "NAME", required = true, description = "What members see it as.")
    String name;

    @Override
    public Integer call() throws KithException {
      Terminal t = Kith.ctx.terminal();
      RoomHome h = RoomHome.init(roomHome().dir(), name);
      JsonObject o = new JsonObject();
      o.addProperty("id", h.id().text());
      o.addProperty("name", h.name());
      o.addProperty("home", h.dir().toString());
      t.json(o);
      t.say("Room '" + h.name() + "' made in " + h.dir() + " (" + h.id().text() + ")");
      t.say("  Run it with `kith room start`, then give members a code from `kith room invite`.");
      return 0;
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Run the room in the foreground until Ctrl-C or SIGTERM.")
  static final class Start implements Callable<Integer> {
    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:" + DEFAULT_PORT,
        description = "Where members reach the room (default ${DEFAULT-VALUE}).")
    String listen;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      RoomHome h = roomHome();
      ListenConfig cfg;
      try {
        cfg = ListenConfig.parse(listen);
      } catch (KithException e) {
        throw new KithException(KithException.USAGE, "--listen takes HOST:PORT, e.g. 0.0.0.0:" + DEFAULT_PORT + ": "
            + listen);
      }
      RoomServer room = RoomServer.open(h, RoomLimits.defaults());
      CountDownLatch stopped = new CountDownLatch(1);
      AtomicBoolean closing = new AtomicBoolean();
      try {
        var bound = room.listen(cfg.host(), cfg.port());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          if (closing.compareAndSet(false, true)) {
            room.close();
            stopped.countDown();
          }
        }, "kith-room-shutdown"));
        JsonObject o = new JsonObject();
        o.addProperty("id", room.id().text());
        o.addProperty("name", room.name());
        o.addProperty("listen", cfg.host() + ":" + bound.getPort());
        o.addProperty("members", room.memberCount());
        t.json(o);
        t.say("Room '" + room.name() + "' running (" + room.id().text() + ")");
        t.say("  listening on " + cfg.host() + ":" + bound.getPort() + "; " + room.memberCount() + " members.");
        t.say("  Invite members with `kith room invite`. Ctrl-C to stop.");
        c.out.flush();
      } catch (KithException | RuntimeException e) {
        room.close();
        throw e;
      }
      try {
        stopped.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 0;
    }
  }

  @Command(name = "invite", mixinStandardHelpOptions = true,
      description = {"Make a one-time code to join the room.",
        "The code is printed alone on the first line (and as a QR code on a terminal); a member runs",
        "`kith rooms join CODE`."})
  static final class Invite implements Callable<Integer> {
    @Option(names = "--expires", paramLabel = "DURATION", defaultValue = "7d",
        description = "How long the code works: 30m, 24h, 7d (default ${DEFAULT-VALUE}; at most 30d).")
    String expires;

    @Option(names = "--address", paramLabel = "HOST:PORT",
        description = "Where members reach the room, if not where it listens (a public name or a forwarded port).")
    String address;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Duration d = Durations.parse(expires, "--expires");
      if (d.isNegative() || d.isZero() || d.compareTo(MAX_EXPIRY) > 0) {
        throw KithException.badInput("--expires must be between 1 minute and 30d: " + expires);
      }
      RoomHome h = roomHome();
      HostPort where = address != null ? HostPort.parse(address) : reachable(h);
      long at = c.clock.instant().plus(d).getEpochSecond();
      RoomCode code = new RoomCode(h.id(), h.newInvite(at, c.clock), at, where);
      JsonObject o = new JsonObject();
      o.addProperty("code", code.text());
      o.addProperty("room", h.name());
      o.addProperty("address", where.toString());
      o.addProperty("expiresAt", Instant.ofEpochSecond(at).toString());
      t.json(o);
      t.say(code.text());
      if (c.interactive && !c.json) {
        t.say("");
        t.say(Qr.render(code.text()));
      }
      t.note("Code to join room '" + h.name() + "' at " + where + ", once, until " + Instant.ofEpochSecond(at) + ".");
      t.note("The member runs `kith rooms join CODE`. Anyone holding it can join, so give it only to whom you mean.");
      return 0;
    }

    /** Where the room listens (or last did): a wildcard listen gives this machine's first site-local address. */
    static HostPort reachable(RoomHome h) throws KithException {
      String listen = h.listen();
      ListenConfig cfg = listen == null ? new ListenConfig("0.0.0.0", DEFAULT_PORT) : ListenConfig.parse(listen);
      return HostPort.parse(cfg.advertised().get(0));
    }
  }

  @Command(name = "rooms", mixinStandardHelpOptions = true,
      description = {"List, join or leave the rooms your node keeps a connection to.",
        "At most 2; peers reach you through them when no direct connection works. With no subcommand: lists them."},
      subcommands = {Join.class, Leave.class})
  static final class Rooms implements Callable<Integer> {
    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      JsonArray a = c.call("GET", "/v1/rooms", Map.of(), null).getAsJsonArray();
      t.json(a);
      if (a.isEmpty()) {
        t.say("No rooms. Join one with a code from its keeper: `kith rooms join CODE`.");
        return 0;
      }
      boolean running = c.api().isPresent();
      for (var e : a) {
        JsonObject r = e.getAsJsonObject();
        String state = !running ? "node not running" : r.get("connected").getAsBoolean() ? "connected"
            : "not connected" + (r.get("problem").isJsonNull() ? "" : " (" + r.get("problem").getAsString() + ")");
        t.sayf("%-20s %-22s %s  %s%n", r.get("name").getAsString(), r.get("address").getAsString(),
            r.get("id").getAsString().substring(0, 13) + "…", state);
      }
      return 0;
    }
  }

  @Command(name = "join", mixinStandardHelpOptions = true,
      description = "Join a room with the code its keeper gave you.")
  static final class Join implements Callable<Integer> {
    @Parameters(paramLabel = "CODE", description = "The room code (kithroom1...).")
    String code;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "15s",
        description = "How long to wait for the room (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      JsonObject body = new JsonObject();
      body.addProperty("code", code);
      body.addProperty("timeoutSeconds", Durations.parse(timeout, "--timeout").toSeconds());
      JsonObject r = c.call("POST", "/v1/rooms", Map.of(), body).getAsJsonObject();
      t.json(r);
      t.say("Joined room '" + r.get("name").getAsString() + "' at " + r.get("address").getAsString());
      if (!r.get("running").getAsBoolean()) {
        t.note("Your node connects to it while it runs (`kith start`).");
      }
      return 0;
    }
  }

  @Command(name = "leave", mixinStandardHelpOptions = true, description = "Leave a room (by name or id).")
  static final class Leave implements Callable<Integer> {
    @Parameters(paramLabel = "ROOM", description = "The room's name or id, as `kith rooms` shows it.")
    String room;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      JsonObject r = c.call("DELETE", "/v1/rooms/" + PeerCommands.seg(room), Map.of(), null).getAsJsonObject();
      t.json(r);
      t.say("Left room '" + r.get("name").getAsString() + "'");
      return 0;
    }
  }
}
