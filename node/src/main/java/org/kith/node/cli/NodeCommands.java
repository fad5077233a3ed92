package org.kith.node.cli;

import com.google.gson.JsonObject;
import java.util.concurrent.Callable;
import org.kith.node.Home;
import org.kith.node.KithException;
import org.kith.node.PersonalNode;
import org.kith.protocol.identity.PublicId;
import org.kith.storage.Vault;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** init, id, status. */
final class NodeCommands {
  private NodeCommands() {}

  static JsonObject identityJson(PersonalNode node) throws KithException {
    PublicId id = node.id();
    JsonObject o = new JsonObject();
    o.addProperty("id", id.text());
    o.addProperty("publicKey", id.hex());
    o.addProperty("fingerprint", id.fingerprint());
    o.addProperty("name", node.name());
    return o;
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"Create your node: a new identity and an encrypted vault in the home folder.",
        "You choose the passphrase; it cannot be recovered, so keep it safe."})
  static final class Init implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "NAME", description = "The name peers see first (they can rename you).")
    String name;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Home home = c.resolveHome();
      if (Vault.exists(home.vaultDir())) {
        throw KithException.badInput("a Kith vault already exists at " + home.vaultDir()
            + "; nothing was changed (use --home for another)");
      }
      if (name != null && name.strip().length() > 64) {
        throw KithException.badInput("the name is limited to 64 characters");
      }
      char[] pass = c.passphrase("Choose a passphrase for the new vault", true);
      try (PersonalNode node = PersonalNode.init(home, pass, name, c.embedders, c.clock)) {
        JsonObject o = identityJson(node);
        o.addProperty("home", home.dir().toString());
        t.json(o);
        t.say("Created your Kith node in " + home.dir());
        t.say("  id:          " + node.id().text());
        t.say("  fingerprint: " + node.id().fingerprint());
        if (!node.name().isEmpty()) {
          t.say("  name:        " + node.name());
        }
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
      try (PersonalNode node = c.openNode()) {
        t.json(identityJson(node));
        t.say(node.id().text());
        t.say("fingerprint: " + node.id().fingerprint());
        if (!node.name().isEmpty()) {
          t.say("name:        " + node.name());
        }
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Show the home folder, whether a vault is there, and (when unlocked) what it holds.")
  static final class Status implements Callable<Integer> {
    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Home home = c.resolveHome();
      JsonObject o = new JsonObject();
      o.addProperty("home", home.dir().toString());
      boolean exists = Vault.exists(home.vaultDir());
      boolean canUnlock = c.env.containsKey("KITH_PASSPHRASE") || c.passphraseFile != null || c.interactive;
      o.addProperty("running", false);
      if (!exists) {
        o.addProperty("vault", "absent");
        t.json(o);
        t.say("home:  " + home.dir());
        t.say("vault: none here; run `kith init` to create one");
        return 0;
      }
      if (!canUnlock) {
        o.addProperty("vault", "locked");
        t.json(o);
        t.say("home:  " + home.dir());
        t.say("vault: present, locked (set KITH_PASSPHRASE or --passphrase-file to see more)");
        return 0;
      }
      try (PersonalNode node = c.openNode()) {
        o.addProperty("vault", "unlocked");
        o.add("identity", identityJson(node));
        o.addProperty("notes", node.noteCount());
        t.json(o);
        t.say("home:  " + home.dir());
        t.say("vault: unlocked, " + node.noteCount() + " notes");
        t.say("id:    " + node.id().text());
        t.say("node:  not running (this command opened the vault itself)");
      }
      return 0;
    }
  }
}
