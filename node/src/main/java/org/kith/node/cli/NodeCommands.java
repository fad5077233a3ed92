package org.kith.node.cli;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;
import org.kith.node.app.KithNode;
import org.kith.node.identity.PublicIdentityFile;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.identity.PublicId;
import org.kith.storage.Vault;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** init, id, status. */
final class NodeCommands {
  private NodeCommands() {}

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Create your node: a new identity and an encrypted vault in the home folder.",
        "You choose the passphrase; it cannot be recovered, so keep it safe."})
  static final class Init implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "NAME", description = "The name peers see first (they can rename you).")
    String name;

    @Option(names = PassphraseStrength.OVERRIDE,
        description = "Accept a passphrase that is easy to guess (refused otherwise).")
    boolean weakOk;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Home home = c.resolveHome();
      if (Vault.exists(home.vaultDir())) {
        throw KithException.badInput("a Kith vault already exists at " + home.vaultDir()
            + "; nothing was changed (use --home for another)");
      }
      if (name != null && (name.strip().length() > 64 || name.chars().anyMatch(Character::isISOControl))) {
        throw KithException.badInput("the name is one line of at most 64 characters");
      }
      char[] pass = c.passphrase("Choose a passphrase for the new vault", true);
      try {
        PassphraseStrength.require(pass, weakOk, name == null ? List.of() : List.of(name));
      } catch (KithException e) {
        java.util.Arrays.fill(pass, '\0');
        throw e;
      }
      try (KithNode node = KithNode.init(home, pass, name, c.options())) {
        JsonObject o = new JsonObject();
        o.addProperty("id", node.id().text());
        o.addProperty("publicKey", node.id().hex());
        o.addProperty("fingerprint", node.id().fingerprint());
        o.addProperty("name", node.identity().name());
        o.addProperty("home", home.dir().toString());
        t.json(o);
        t.say("Created your Kith node in " + home.dir());
        t.say("  id:          " + node.id().text());
        t.say("  fingerprint: " + node.id().fingerprint());
        if (!node.identity().name().isEmpty()) {
          t.say("  name:        " + node.identity().name());
        }
        t.say("Keep your passphrase safe: nobody can recover it. If you forget it, this vault and everything in it");
        t.say("is lost. Keep a backup too (`kith backup FILE`; it opens with the same passphrase).");
        t.say("Next: kith note add \"something worth remembering\"   or   kith note import FOLDER");
      } finally {
        java.util.Arrays.fill(pass, '\0');
      }
      return 0;
    }
  }

  @Command(name = "id", mixinStandardHelpOptions = true,
      description = "Show your public id and fingerprint (safe to share; compare fingerprints out of band).")
  static final class Id implements Callable<Integer> {
    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Home home = c.resolveHome();
      JsonObject o;
      if (c.api().isEmpty() && !passphraseGiven(c)) {
        // No node and no passphrase given: the public half, from identity.pub, without unlocking anything.
        Optional<PublicId> id = PublicIdentityFile.read(home);
        if (id.isEmpty() && Vault.exists(home.vaultDir()) && !c.interactive) {
          throw new KithException(KithException.LOCKED, "no " + PublicIdentityFile.FILE + " in " + home.dir()
              + " yet (the vault is older than it): run any command with the passphrase once, e.g."
              + " KITH_PASSPHRASE=... kith status, and `kith id` works without it from then on");
        }
        o = id.isPresent() ? publicIdentity(id.get()) : null;
      } else {
        o = null;
      }
      if (o == null) {
        o = c.call("GET", "/v1/id", Map.of(), null).getAsJsonObject();
      }
      t.json(o);
      t.say(o.get("id").getAsString());
      t.say("fingerprint: " + o.get("fingerprint").getAsString());
      if (o.get("name").isJsonNull()) {
        t.say("name:        (sealed in the vault: give the passphrase, or start the node, to see it)");
      } else if (!o.get("name").getAsString().isEmpty()) {
        t.say("name:        " + o.get("name").getAsString());
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Show the home folder, the vault, whether the node is running, its address and peers.")
  static final class Status implements Callable<Integer> {
    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Home home = c.resolveHome();
      if (c.api().isPresent()) {
        return show(t, c.call("GET", "/v1/status", Map.of(), null).getAsJsonObject());
      } else {
        JsonObject o = new JsonObject();
        o.addProperty("home", home.dir().toString());
        o.addProperty("running", false);
        boolean exists = Vault.exists(home.vaultDir());
        // Without a passphrase given, status does not ask for one: the id comes from identity.pub.
        boolean canUnlock = passphraseGiven(c);
        if (!exists || !canUnlock) {
          o.addProperty("vault", exists ? "locked" : "absent");
          Optional<PublicId> id = exists ? PublicIdentityFile.read(home) : Optional.empty();
          id.ifPresent(i -> o.add("identity", publicIdentity(i)));
          t.json(o);
          t.say("home:  " + home.dir());
          t.say(exists ? "vault: present, locked (set KITH_PASSPHRASE or --passphrase-file to see more)"
              : "vault: none here; run `kith init` to create one");
          id.ifPresent(i -> t.say("id:    " + i.text()));
          t.say("node:  not running");
          return 0;
        }
        return show(t, c.call("GET", "/v1/status", Map.of(), null).getAsJsonObject());
      }
    }

    static int show(Terminal t, JsonObject o) {
      t.json(o);
      t.say("home:      " + o.get("home").getAsString());
      t.say("vault:     " + o.get("vault").getAsString() + ", " + o.get("notes").getAsInt() + " notes");
      t.say("id:        " + o.getAsJsonObject("identity").get("id").getAsString());
      boolean running = o.get("running").getAsBoolean();
      t.say("node:      " + (running ? "running, listening on " + jsonStr(o, "listen") : "not running"));
      t.say("peers:     " + o.get("peers").getAsInt() + " paired" + (running ? ", " + o.get("connected").getAsInt()
          + " connected" : ""));
      t.say("model:     " + o.get("model").getAsString());
      if (o.has("reachableAt")) {
        t.say("reach:     " + String.join(", ", o.getAsJsonArray("reachableAt").asList().stream()
            .map(e -> e.getAsString()).toList()));
      }
      if (o.has("reachability")) {
        t.say("network:   " + o.getAsJsonObject("reachability").get("text").getAsString());
      }
      if (o.has("rooms")) {
        for (var e : o.getAsJsonArray("rooms")) {
          JsonObject r = e.getAsJsonObject();
          t.say("room:      " + r.get("name").getAsString() + " at " + r.get("address").getAsString() + ", "
              + (!running ? "not running" : r.get("connected").getAsBoolean() ? "connected" : "not connected"));
        }
      }
      return 0;
    }
  }

  /** True if the passphrase comes from the environment or a file: a command can unlock without asking. */
  static boolean passphraseGiven(Kith.Context c) {
    String pass = c.env.get("KITH_PASSPHRASE");
    return (pass != null && !pass.isEmpty()) || c.passphraseFile != null;
  }

  /** What {@code GET /v1/id} says, from the public id alone; the name, sealed in the vault, is null. */
  static JsonObject publicIdentity(PublicId id) {
    JsonObject o = new JsonObject();
    o.addProperty("id", id.text());
    o.addProperty("publicKey", id.hex());
    o.addProperty("fingerprint", id.fingerprint());
    o.add("name", com.google.gson.JsonNull.INSTANCE);
    o.addProperty("networkKey", java.util.HexFormat.of().formatHex(NetworkKey.KITH_V1.bytes()));
    return o;
  }

  static String jsonStr(JsonObject o, String f) {
    return o.has(f) && !o.get(f).isJsonNull() ? o.get(f).getAsString() : "-";
  }
}
