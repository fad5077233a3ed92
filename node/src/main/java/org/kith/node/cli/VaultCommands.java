package org.kith.node.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.kith.node.base.Home;
import org.kith.node.base.HomeFolder;
import org.kith.node.base.KithException;
import org.kith.node.app.KithNode;
import org.kith.node.identity.Identity;
import org.kith.node.notes.MarkdownExport;
import org.kith.node.notes.Note;
import org.kith.node.notes.NoteCodec;
import org.kith.node.notes.NoteId;
import org.kith.node.vault.VaultSchema;
import org.kith.node.vault.Vaults;
import org.kith.protocol.identity.PublicId;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;
import org.kith.storage.VaultReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** passphrase, backup, restore, and vault check | salvage. */
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

    @Option(names = PassphraseStrength.OVERRIDE,
        description = "Accept a new passphrase that is easy to guess (refused otherwise).")
    boolean weakOk;

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
        c.opened(home, vault.readOnly(), HomeFolder.tighten(home) | vault.permissionsTightened());
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
        PassphraseStrength.require(neu, weakOk, List.of());
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
        HomeFolder.create(home);
        Vault.restore(file, home.vaultDir());
      } catch (VaultException e) {
        throw Vaults.translate(e);
      } catch (IOException e) {
        throw KithException.badInput("cannot create " + home.dir() + ": " + e.getMessage());
      }
      t.warn("the restored node in " + home.dir() + " has the SAME identity as the node that was backed up. Run"
          + " only one of them at a time: peers cannot tell the two apart. To move a node, stop the old one first (`kith stop`) and do not start it again.");
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

  /** What to do with a vault that is damaged: the way out, as the storage layer names it, and how to go on. */
  static final String WAY_OUT = "restore a backup into a new folder with `kith restore BACKUP --home NEW`, or export"
      + " what still decrypts with `kith vault salvage DIR`, then start over with `kith init --home NEW` and"
      + " `kith --home NEW note import DIR`";

  static String plural(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  /** check and salvage read the vault themselves; a running node holds it, and must not be raced. */
  static void refuseWhileRunning(Kith.Context c, Home home, String command) throws KithException {
    if (c.api().isPresent()) {
      throw KithException.badInput("a node is running for " + home.dir() + ": stop it first (Ctrl-C in its"
          + " terminal), then run `kith vault " + command + "` again; nothing was read");
    }
  }

  @Command(name = "vault", mixinStandardHelpOptions = true,
      description = {"Look into a vault that is damaged or refuses to open, and get your notes out of it.",
        "Neither command changes anything in the vault. Stop a running node first."},
      subcommands = {Check.class, Salvage.class})
  static final class VaultGroup implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(Kith.ctx.out);
    }
  }

  static JsonArray storesJson(VaultReport r) {
    JsonArray stores = new JsonArray();
    for (VaultReport.StoreReport s : r.stores()) {
      JsonObject o = new JsonObject();
      o.addProperty("store", s.store().cfName());
      o.addProperty("readable", s.readable());
      o.addProperty("failed", s.failed());
      o.addProperty("incomplete", s.incomplete());
      stores.add(o);
    }
    return stores;
  }

  static void sayStores(Terminal t, VaultReport r) {
    t.sayf("  %-14s %9s %7s%n", "store", "readable", "failed");
    for (VaultReport.StoreReport s : r.stores()) {
      t.sayf("  %-14s %9d %7d%s%n", s.store().cfName(), s.readable(), s.failed(),
          s.incomplete() ? "  incomplete: damage stopped the reading, entries may be missing" : "");
    }
  }

  static void sayProblems(Terminal t, VaultReport r) {
    if (!r.problems().isEmpty()) {
      t.say("Problems:");
      r.problems().forEach(p -> t.say("  - " + p));
    }
  }

  /**
   * A permission line of {@link Vault#check}: the one kind of problem that is no damage, and that any command
   * opening the vault fixes (spec/VAULT.md section 4.4). Recognised by its wording, which VaultCliTest pins.
   */
  static boolean onlyPermissions(VaultReport r) {
    return r.opensNormally() && r.failed() == 0 && r.stores().stream().noneMatch(VaultReport.StoreReport::incomplete)
        && !r.problems().isEmpty() && r.problems().stream().allMatch(p -> p.contains(" is open to other accounts ("));
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = {"Read every record of the vault and say what is damaged, changing nothing.",
        "It says whether the vault opens normally, each problem, and per store how many entries read fine and",
        "how many fail.",
        "Exit 0 when all is well, 1 when something is wrong."})
  static final class Check implements Callable<Integer> {
    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Home home = c.resolveHome();
      refuseWhileRunning(c, home, "check");
      char[] pass = c.passphrase("Passphrase for " + home.dir(), false);
      VaultReport r;
      try {
        r = Vault.check(home.vaultDir(), pass);
      } catch (VaultException e) {
        throw Vaults.translate(e);
      } finally {
        Arrays.fill(pass, '\0');
      }
      String error = null;
      if (!r.ok()) {
        error = onlyPermissions(r)
            ? "the vault at " + home.vaultDir() + " is not damaged, but other accounts can read it: any command"
                + " that opens it (such as `kith note list`) makes it readable by you only"
            : "the vault at " + home.vaultDir() + " is damaged ("
                + (r.opensNormally() ? "" : "a normal open refuses it; ") + plural(r.failed(), "record")
                + " fail authentication; the problems are listed above); nothing was changed; " + WAY_OUT;
      }
      JsonObject o = new JsonObject();
      o.addProperty("vault", home.vaultDir().toString());
      o.addProperty("ok", r.ok());
      o.addProperty("opensNormally", r.opensNormally());
      o.add("problems", org.kith.node.api.Json.strings(r.problems()));
      o.add("stores", storesJson(r));
      o.addProperty("readable", r.readable());
      o.addProperty("failed", r.failed());
      if (error != null) {
        o.addProperty("error", error);
      }
      t.json(o);
      t.say("Vault at " + home.vaultDir() + ": " + (r.ok() ? "opens normally; every record reads."
          : r.opensNormally() ? "opens normally, but not all is well." : "a normal open refuses it."));
      sayProblems(t, r);
      sayStores(t, r);
      if (error != null) {
        t.error(error);
        return KithException.BAD_INPUT;
      }
      return 0;
    }
  }

  @Command(name = "salvage", mixinStandardHelpOptions = true,
      description = {"Export every note that still decrypts to DIR, one Markdown file per note.",
        "The vault is not changed (this works when it refuses to open). Then start over:",
        "  kith init --home NEW   and   kith --home NEW note import DIR"})
  static final class Salvage implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = {"A new or empty folder; it is made readable by you only, since"
        + " the files hold your notes in plaintext.", "A temporary copy of the database is made beside it and"
        + " removed after: on a full disk, choose a folder on another disk."})
    Path dir;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Home home = c.resolveHome();
      refuseWhileRunning(c, home, "salvage");
      Path out = dir.toAbsolutePath().normalize();
      if (out.startsWith(home.vaultDir())) {
        throw KithException.badInput("salvage into a folder outside the vault " + home.vaultDir()
            + " (nothing was written)");
      }
      boolean existed = Files.exists(out, LinkOption.NOFOLLOW_LINKS);
      if (existed && !emptyFolder(out)) {
        throw KithException.badInput(out + " exists and is not an empty folder: choose a new or empty folder"
            + " (nothing was written)");
      }
      char[] pass = c.passphrase("Passphrase for " + home.dir(), false);
      MarkdownExport export;
      long[] counts = new long[2]; // exported, did not decode
      PublicId[] oldId = new PublicId[1];
      VaultReport r;
      try {
        export = MarkdownExport.into(out);
        r = Vault.salvage(home.vaultDir(), pass, out.getParent(), (store, key, value) -> {
          if (store == Store.NOTES) {
            Note n;
            try {
              n = NoteCodec.decodeNote(NoteId.of(key), value);
            } catch (NoteCodec.MalformedValueException | IllegalArgumentException e) {
              counts[1]++;
              return;
            }
            try {
              if (export.write(n) != null) {
                counts[0]++;
              }
            } catch (IOException e) {
              throw new VaultException("cannot write a note into " + out + " (" + e.getMessage() + "); "
                  + plural(counts[0], "note") + " were written there before it", e);
            }
          } else if (store == Store.IDENTITY && Arrays.equals(key, VaultSchema.SELF_KEY)) {
            oldId[0] = Identity.publicIdIn(value).orElse(null);
            // The secret key was in it: leave no copy in memory longer than needed.
            Arrays.fill(value, (byte) 0);
          }
        });
      } catch (VaultException e) {
        removeIfEmpty(out, existed);
        throw Vaults.translate(e);
      } catch (KithException | RuntimeException e) {
        removeIfEmpty(out, existed);
        throw e;
      } finally {
        Arrays.fill(pass, '\0');
      }
      long exported = counts[0];
      long undecodable = counts[1];
      VaultReport.StoreReport notes = r.stores().stream().filter(s -> s.store() == Store.NOTES).findFirst()
          .orElse(new VaultReport.StoreReport(Store.NOTES, 0, 0, false));
      JsonObject o = new JsonObject();
      o.addProperty("dir", out.toString());
      o.addProperty("exported", exported);
      o.addProperty("failed", notes.failed() + undecodable);
      o.addProperty("notAuthenticated", notes.failed());
      o.addProperty("undecodable", undecodable);
      o.addProperty("incomplete", notes.incomplete());
      o.addProperty("opensNormally", r.opensNormally());
      o.add("problems", org.kith.node.api.Json.strings(r.problems()));
      o.add("stores", storesJson(r));
      o.addProperty("identity", oldId[0] == null ? null : oldId[0].text());
      t.json(o);
      t.say("Exported " + plural(exported, "note") + " as Markdown files into " + out + " (the vault was not"
          + " changed).");
      t.say("Failed: " + plural(notes.failed() + undecodable, "note") + (notes.failed() + undecodable == 0 ? "."
          : ": " + notes.failed() + " no longer authenticate (their bytes were damaged), " + undecodable
              + " do not decode."));
      if (notes.incomplete()) {
        t.say("The notes store is incomplete: damage stopped the reading, so notes may be missing from both counts.");
      }
      if (!r.opensNormally()) {
        // RocksDB drops a damaged log record whole: what it held is neither exported nor counted as failed.
        t.say("The database does not open normally: writes in a damaged part of its log are lost, and not counted"
            + " above (see the problems).");
      }
      sayProblems(t, r);
      t.say("Every store (only notes are exported; vectors are made again at import; peers, shares and invites must"
          + " be set up again):");
      sayStores(t, r);
      if (oldId[0] != null) {
        t.say("This vault's identity was " + oldId[0].text() + "; a new vault gets a new one, so pair with your"
            + " peers again.");
      }
      t.say("Start over:  kith init --home NEW   then   kith --home NEW note import " + out);
      t.say("The files hold your notes in plaintext: delete " + out + " once they are imported.");
      return 0;
    }

    private static boolean emptyFolder(Path p) throws KithException {
      if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      try (java.util.stream.Stream<Path> s = Files.list(p)) {
        return s.findAny().isEmpty();
      } catch (IOException e) {
        throw KithException.badInput("cannot read " + p + ": " + e.getMessage());
      }
    }

    /** A salvage that read nothing leaves no folder behind that it made. */
    private static void removeIfEmpty(Path p, boolean existed) {
      if (existed) {
        return;
      }
      try {
        Files.deleteIfExists(p); // fails, and is left, if anything was written into it
      } catch (IOException e) {
        // Left as it is: it holds what was exported before the failure.
      }
    }
  }
}
