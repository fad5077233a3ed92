package org.kith.node.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;
import org.kith.node.app.KithNode;
import org.kith.node.model.EmbedderSource;
import org.kith.node.model.MiniLmEmbedder;
import org.kith.storage.KdfProfile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code kith} command: one person's node, from the terminal. */
@Command(
    name = "kith",
    mixinStandardHelpOptions = true,
    versionProvider = Kith.Version.class,
    usageHelpAutoWidth = true,
    description = {
      "Kith keeps your notes in an encrypted vault on your own disk.",
      "A small model on your own CPU finds them again by meaning, and you share only with neighbours you pair with.",
      ""
    },
    footer = {
      "",
      "The passphrase comes from KITH_PASSPHRASE, --passphrase-file, or a prompt.",
      "Home folder: --home, else KITH_HOME, else ~/.kith.",
      "Exit codes: 0 ok, 1 bad input or refused, 2 usage, 3 vault locked or wrong passphrase, 4 peers unreachable.",
      "Start with:  kith init --name YOURNAME   then   kith note add \"...\"   and   kith search \"...\""
    },
    subcommands = {
      NodeCommands.Init.class,
      NodeCommands.Id.class,
      NodeCommands.Status.class,
      NoteCommands.class,
      NoteCommands.Search.class,
      StartCommand.class,
      StopCommand.class,
      ServiceCommand.class,
      UiCommand.class,
      PeerCommands.Invite.class,
      PeerCommands.Pair.class,
      PeerCommands.Peers.class,
      ShareCommands.Share.class,
      ShareCommands.Offer.class,
      ShareCommands.Need.class,
      ShareCommands.Unshare.class,
      ShareCommands.Shared.class,
      ShareCommands.Ask.class,
      ShareCommands.Profile.class,
      InboxCommands.class,
      VaultCommands.Passphrase.class,
      VaultCommands.Backup.class,
      VaultCommands.Restore.class,
      VaultCommands.VaultGroup.class,
      DemoCommand.class,
      RoomCommands.Room.class,
      RoomCommands.Rooms.class,
      CommandLine.HelpCommand.class
    })
public final class Kith implements Runnable {
  /** Per-invocation state; the CLI runs one command per process (or per call in tests). */
  static final class Context {
    Path home;
    boolean json;
    Path passphraseFile;
    Map<String, String> env = Map.of();
    PrintStream out = System.out;
    PrintStream err = System.err;
    boolean interactive;
    EmbedderSource embedders = MiniLmEmbedder::load;
    Clock clock = Clock.systemUTC();
    /** How costly the passphrase stretching of a new vault is; only the tests' harness changes it. */
    KdfProfile kdf = KdfProfile.PRODUCTION;

    Home resolveHome() {
      Home h = Home.resolve(home, env);
      // Native libraries (libsodium) are unpacked once into the Kith cache, never a new /tmp folder per run.
      if (System.getProperty(org.kith.sodium.Sodium.CACHE_DIR_PROPERTY) == null) {
        System.setProperty(org.kith.sodium.Sodium.CACHE_DIR_PROPERTY, h.cacheDir().toString());
      }
      return h;
    }

    Terminal terminal() {
      return new Terminal(out, err, json, interactive);
    }

    char[] passphrase(String prompt, boolean confirm) throws KithException {
      return Passphrases.read(env, passphraseFile, prompt, confirm);
    }

    private java.util.Optional<org.kith.node.api.ApiClient> api;

    /** The running node of this home, if any (looked up once per command). */
    java.util.Optional<org.kith.node.api.ApiClient> api() {
      if (api == null) {
        api = org.kith.node.api.ApiClient.find(resolveHome());
      }
      return api;
    }

    /**
     * One API call: through the running node's local API when {@code kith start} holds the vault, else by
     * opening the vault here and running the same route in-process.
     */
    com.google.gson.JsonElement call(String method, String path, Map<String, String> query,
        com.google.gson.JsonObject body) throws KithException {
      return call(method, path, query, body, null);
    }

    /** As above; a route that reports progress hands each report to {@code progress}, wherever it runs. */
    com.google.gson.JsonElement call(String method, String path, Map<String, String> query,
        com.google.gson.JsonObject body, org.kith.node.api.Router.Progress progress) throws KithException {
      java.util.Optional<org.kith.node.api.ApiClient> client = api();
      if (client.isPresent()) {
        return client.get().call(method, path, query, body, java.time.Duration.ofMinutes(10), progress);
      }
      // The HTTP server hands routes a decoded path; so does this, or `peers rename "Bob (allotment)" …` would look
      // for "Bob%20%28allotment%29" whenever no node runs.
      String decoded = new io.netty.handler.codec.http.QueryStringDecoder(path).path();
      try (KithNode n = openNode()) {
        return new org.kith.node.api.Router(n).handle(new org.kith.node.api.Router.Request(
            method, decoded, query, body == null ? new com.google.gson.JsonObject() : body, progress));
      }
    }

    KithNode.Options options() {
      return KithNode.Options.of(embedders).withClock(clock).withKdf(kdf);
    }

    KithNode openNode() throws KithException {
      Home h = resolveHome();
      char[] pass = passphrase("Passphrase for " + h.dir(), false);
      KithNode n;
      try {
        n = KithNode.open(h, pass, options());
      } finally {
        java.util.Arrays.fill(pass, '\0');
      }
      opened(h, n.readOnly(), n.permissionsTightened());
      return n;
    }

    /** What the person must know about a vault this command opened: once per command, on stderr. */
    void opened(Home h, boolean readOnly, boolean permissionsTightened) {
      Terminal t = terminal();
      if (permissionsTightened) {
        t.note("tightened permissions of " + h.dir() + ": the vault is readable by you only now");
      }
      if (readOnly) {
        t.note("the vault at " + h.vaultDir() + " is read-only because its disk is full: reading and `kith backup`"
            + " to another disk work; writes are off until space is freed (then run the command again)");
      }
    }
  }

  static Context ctx = new Context();

  @Option(names = "--home", paramLabel = "DIR", scope = ScopeType.INHERIT,
      description = "Kith home folder (default: $KITH_HOME or ~/.kith).")
  void setHome(Path home) {
    ctx.home = home;
  }

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Machine-readable JSON output.")
  void setJson(boolean json) {
    ctx.json = json;
  }

  @Option(names = "--passphrase-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Read the vault passphrase from the first line of FILE (- for standard input).")
  void setPassphraseFile(Path file) {
    ctx.passphraseFile = file;
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(ctx.out);
  }

  /** Entry point for the launcher. DJL reads these before it loads; it must never phone home. */
  public static void main(String[] args) {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("OPT_OUT_TRACKING", "true");
    int code = run(args, System.getenv(), System.out, System.err, System.console() != null);
    System.out.flush();
    System.exit(code);
  }

  /** Runs one command; returns the exit code. Tests call this in-process with their own env and streams. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, boolean interactive) {
    return run(args, env, out, err, interactive, null);
  }

  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, boolean interactive,
      EmbedderSource embedders) {
    return run(args, env, out, err, interactive, embedders, KdfProfile.PRODUCTION);
  }

  /**
   * As above, with the passphrase stretching of vaults that {@code init} creates: test suites pass
   * {@link KdfProfile#TESTING_ONLY_INSECURE} so that each test's vault costs nothing to make and open; everything
   * else runs {@link KdfProfile#PRODUCTION}.
   */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, boolean interactive,
      EmbedderSource embedders, KdfProfile kdf) {
    Context c = new Context();
    c.kdf = java.util.Objects.requireNonNull(kdf, "kdf");
    c.env = env;
    c.out = out;
    c.err = err;
    c.interactive = interactive;
    if (embedders != null) {
      c.embedders = embedders;
    }
    ctx = c;
    CommandLine cl = new CommandLine(new Kith());
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
      if (ex instanceof KithException ke) {
        ctx.terminal().error(ke.getMessage());
        if (ctx.json) {
          com.google.gson.JsonObject o = new com.google.gson.JsonObject();
          o.addProperty("error", ke.getMessage());
          o.addProperty("exitCode", ke.exitCode());
          out.println(TerminalText.json(o.toString()));
        }
        return ke.exitCode();
      }
      throw ex;
    });
    cl.setParameterExceptionHandler((ex, a) -> {
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
      err.println("kith: " + TerminalText.clean(ex.getMessage()));
      err.println(TerminalText.clean("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName()
          + " --help' for usage."));
      return KithException.USAGE;
    });
    return cl.execute(args);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Kith.class.getPackage().getImplementationVersion();
      return new String[] {"kith " + (v == null ? "development build" : v) + " (protocol 1, vault format 1)"};
    }
  }
}
