package org.kith.node.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;
import org.kith.node.app.KithNode;
import org.kith.node.vault.Vaults;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** passphrase, backup, restore. */
final class VaultCommands {
  private VaultCommands() {}

  @Command(name = "passphrase", mixinStandardHelpOptions = true,
      description = {"Change the vault passphrase. Only the wrapped master key is rewritten; notes are not re-encrypted.",
        "The new passphrase comes from KITH_NEW_PASSPHRASE, --new-passphrase-file, or a prompt."})
  static final class Passphrase implements Callable<Integer> {
    @Option(names = "--new-passphrase-file", paramLabel = "FILE",
        description = "Read the new passphrase from the first line of FILE (- for standard input: the line after"
            + " the current passphrase when both come from there).")
    Path newFile;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Home home = c.resolveHome();
      if (c.api().isPresent()) {
        throw KithException.badInput("stop the running node first (Ctrl-C in its terminal), then change the passphrase");
      }
      char[] old = c.passphrase("Current passphrase", false);
      char[] neu = null;
      try (Vault vault = Vaults.open(home.vaultDir(), old)) {
        String env = c.env.get("KITH_NEW_PASSPHRASE");
        if (env != null && !env.isEmpty()) {
          neu = env.toCharArray();
        } else if (newFile != null) {
          neu = Passphrases.fromFile(newFile);
        } else {
          neu = Passphrases.prompt("New passphrase", true);
        }
        if (neu.length < 8) {
          throw KithException.badInput("the new passphrase is too short: use at least 8 characters; nothing was changed");
        }
        vault.changePassphrase(old, neu);
      } catch (VaultException e) {
        throw Vaults.translate(e);
      } finally {
        Arrays.fill(old, '\0');
        if (neu != null) {
          Arrays.fill(neu, '\0');
        }
      }
      JsonObject o = new JsonObject();
      o.addProperty("changed", true);
      t.json(o);
      t.say("Passphrase changed. The old one no longer opens this vault (older backups still use theirs).");
      return 0;
    }
  }

  @Command(name = "backup", mixinStandardHelpOptions = true,
      description = "Write a consistent snapshot of the vault to FILE. It stays encrypted: the passphrase opens it.")
  static final class Backup implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "Where to write the backup (must not exist).")
    Path file;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      if (Files.exists(file)) {
        throw KithException.badInput(file + " already exists; choose a new file name (nothing was written)");
      }
      JsonObject body = new JsonObject();
      body.addProperty("file", file.toAbsolutePath().normalize().toString());
      JsonObject r = c.call("POST", "/v1/backup", java.util.Map.of(), body).getAsJsonObject();
      long size = r.get("bytes").getAsLong();
      t.json(r);
      t.say("Backed up to " + file.toAbsolutePath() + " (" + size + " bytes, encrypted).");
      t.say("Restore with: kith restore " + file + " --home NEW_FOLDER");
      return 0;
    }
  }

  @Command(name = "restore", mixinStandardHelpOptions = true,
      description = {"Bring a backup back into a new home folder: kith restore FILE --home NEW.",
        "Unlock it afterwards with the passphrase it had when it was backed up."})
  static final class Restore implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "A file written by `kith backup`.")
    Path file;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      if (c.home == null) {
        throw new KithException(KithException.USAGE,
            "say where to restore: kith restore FILE --home NEW_FOLDER (it will not overwrite a vault)");
      }
      Home home = c.resolveHome();
      if (!Files.isRegularFile(file)) {
        throw KithException.badInput("no backup file at " + file);
      }
      if (Vault.exists(home.vaultDir())) {
        throw KithException.badInput("a vault already exists at " + home.vaultDir() + "; restore into a new folder");
      }
      try {
        Files.createDirectories(home.dir());
        Vault.restore(file, home.vaultDir());
      } catch (VaultException e) {
        throw Vaults.translate(e);
      } catch (IOException e) {
        throw KithException.badInput("cannot create " + home.dir() + ": " + e.getMessage());
      }
      JsonObject o = new JsonObject();
      o.addProperty("home", home.dir().toString());
      String pass = c.env.get("KITH_PASSPHRASE");
      if ((pass != null && !pass.isEmpty()) || c.passphraseFile != null) {
        try (KithNode node = c.openNode()) {
          o.addProperty("id", node.id().text());
          o.addProperty("notes", node.notes().count());
          t.say("Restored " + node.notes().count() + " notes of " + node.id().text() + " into " + home.dir());
        }
      } else {
        t.say("Restored into " + home.dir() + ". Unlock it with the passphrase it had when backed up.");
      }
      t.json(o);
      return 0;
    }
  }
}
