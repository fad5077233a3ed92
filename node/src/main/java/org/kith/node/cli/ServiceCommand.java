package org.kith.node.cli;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.kith.node.base.Home;
import org.kith.node.base.KithException;
import org.kith.node.peers.ListenConfig;
import org.kith.storage.Vault;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kith service install | uninstall}: a systemd user unit that runs {@code kith start} for this home. Kith
 * writes and removes the file only; the person runs systemctl, so nothing here changes what runs on the machine.
 */
@Command(name = "service", mixinStandardHelpOptions = true,
    description = {"Run your node as a systemd user service.",
      "It then starts with your session (or at boot with lingering) and restarts if it fails. Writes or removes the unit file only; you run systemctl."},
    subcommands = {ServiceCommand.Install.class, ServiceCommand.Uninstall.class})
final class ServiceCommand implements Runnable {
  static final String UNIT_NAME = "kith.service";
  /** The first line of every unit Kith writes; uninstall removes only a file that starts with it. */
  static final String MARKER = "# Written by Kith (`kith service install`); `kith service uninstall` removes it.";
  /** The launcher script sets this to its own absolute path; the unit runs that script. */
  static final String LAUNCHER_ENV = "KITH_LAUNCHER";

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(Kith.ctx.out);
  }

  /** {@code $XDG_CONFIG_HOME/systemd/user/kith.service}, else {@code $HOME/.config/systemd/user/kith.service}. */
  static Path unitFile(Map<String, String> env) {
    String xdg = env.get("XDG_CONFIG_HOME");
    Path config;
    if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
      config = Path.of(xdg);
    } else {
      String home = env.get("HOME");
      config = Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home, ".config");
    }
    return config.resolve("systemd").resolve("user").resolve(UNIT_NAME).toAbsolutePath().normalize();
  }

  /** The unit's text; every path is quoted for systemd, which expands {@code %} and {@code $} itself. */
  static String unitText(Path launcher, Home home, Path passphraseFile, String listen, String javaHome) {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--home", home.dir().toString(),
        "--passphrase-file", passphraseFile.toString(), "start"));
    if (listen != null) {
      cmd.add("--listen");
      cmd.add(listen);
    }
    StringBuilder b = new StringBuilder();
    b.append(MARKER).append('\n');
    b.append("[Unit]\n");
    b.append("Description=Kith node of ").append(home.dir().toString().replace("%", "%%")).append('\n');
    b.append("Wants=network-online.target\n");
    b.append("After=network-online.target\n\n");
    b.append("[Service]\n");
    b.append("Type=simple\n");
    if (javaHome != null) {
      b.append("Environment=").append(quote("JAVA_HOME=" + javaHome)).append('\n');
    }
    b.append("ExecStart=").append(String.join(" ", cmd.stream().map(ServiceCommand::quote).toList())).append('\n');
    // 1 bad input, 2 usage, 3 wrong passphrase: starting again cannot help, and would only fill the journal.
    b.append("Restart=on-failure\n");
    b.append("RestartSec=10\n");
    b.append("RestartPreventExitStatus=1 2 3\n\n");
    b.append("[Install]\n");
    b.append("WantedBy=default.target\n");
    return b.toString();
  }

  /** One ExecStart word in double quotes: backslash and quote escaped, {@code %} and {@code $} doubled. */
  static String quote(String word) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : word.toCharArray()) {
      switch (ch) {
        case '\\' -> b.append("\\\\");
        case '"' -> b.append("\\\"");
        case '%' -> b.append("%%");
        case '$' -> b.append("$$");
        default -> b.append(ch);
      }
    }
    return b.append('"').toString();
  }

  static boolean hasControl(String s) {
    return s.chars().anyMatch(Character::isISOControl);
  }

  @Command(name = "install", mixinStandardHelpOptions = true,
      description = {"Write a systemd user unit that runs `kith start` for this home.",
        "It unlocks the vault with --passphrase-file FILE (a service cannot ask for the passphrase; FILE must be mode 0600).",
        "Then run the commands it prints. It never runs systemctl itself."})
  static final class Install implements Callable<Integer> {
    @Option(names = "--listen", paramLabel = "HOST:PORT",
        description = "Where peers reach the node (default: the last one used, else 0.0.0.0:7347).")
    String listen;

    @Option(names = "--force", description = "Replace a kith.service that differs (Kith's or not).")
    boolean force;

    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Home home = c.resolveHome();
      Path pass = passphraseFile(c);
      if (!Vault.exists(home.vaultDir())) {
        throw KithException.badInput("no vault at " + home.vaultDir() + ": run `kith init` first (or give --home);"
            + " nothing was written");
      }
      if (listen != null) {
        ListenConfig.parse(listen);
      }
      Path launcher = launcher(c);
      String javaHome = c.env.get("JAVA_HOME");
      if (javaHome != null && (javaHome.isBlank() || hasControl(javaHome))) {
        javaHome = null;
      }
      if (hasControl(home.dir().toString()) || hasControl(pass.toString())) {
        throw KithException.badInput("the home folder and the passphrase file must have paths without control"
            + " characters for a unit file; nothing was written");
      }
      String text = unitText(launcher, home, pass, listen, javaHome);
      Path unit = unitFile(c.env);
      boolean same = false;
      if (Files.exists(unit, LinkOption.NOFOLLOW_LINKS)) {
        String old = read(unit);
        same = text.equals(old);
        if (!same && !force) {
          throw KithException.badInput(unit + " already exists and differs"
              + (old != null && old.startsWith(MARKER) ? " (Kith wrote it, for another home or options)" : "")
              + "; nothing was written. Give --force to replace it");
        }
      }
      if (!same) {
        write(unit, text);
      }
      JsonObject o = new JsonObject();
      o.addProperty("unit", unit.toString());
      o.addProperty("home", home.dir().toString());
      o.addProperty("changed", !same);
      t.json(o);
      t.say((same ? "Already installed: " : "Wrote ") + unit);
      t.say("  runs: " + launcher + " --home " + home.dir() + " start" + (listen == null ? "" : " --listen " + listen));
      t.say("  passphrase from " + pass + " (keep it mode 0600)");
      t.say("Now run:");
      t.say("  systemctl --user daemon-reload && systemctl --user enable --now kith");
      t.say("To keep it running while you are logged out (and start it at boot):");
      t.say("  loginctl enable-linger $USER");
      t.say("`kith status` then shows it; `kith stop` or `systemctl --user stop kith` stops it.");
      return 0;
    }

    /** The passphrase file, absolute, readable by its owner only; refused with the way out otherwise. */
    static Path passphraseFile(Kith.Context c) throws KithException {
      if (c.passphraseFile == null || c.passphraseFile.toString().equals("-")) {
        throw KithException.badInput("give --passphrase-file FILE: a service runs without a terminal and cannot ask"
            + " for the passphrase (and the environment of a unit is readable by other processes of yours); put"
            + " the passphrase on the first line of FILE, then `chmod 600 FILE`. Nothing was written");
      }
      Path f = c.passphraseFile.toAbsolutePath().normalize();
      if (!Files.isRegularFile(f)) {
        throw KithException.badInput("no passphrase file at " + f + "; nothing was written");
      }
      Set<PosixFilePermission> perms;
      try {
        perms = Files.getPosixFilePermissions(f);
      } catch (IOException | UnsupportedOperationException e) {
        throw KithException.badInput("cannot read the permissions of " + f + "; nothing was written");
      }
      boolean others = perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"));
      if (others || !perms.contains(PosixFilePermission.OWNER_READ)) {
        throw KithException.badInput(f + " must be readable by you only (mode 0600): run `chmod 600 " + f
            + "`, then install again; nothing was written");
      }
      return f;
    }

    static Path launcher(Kith.Context c) throws KithException {
      String l = c.env.get(LAUNCHER_ENV);
      if (l == null || l.isBlank() || !Path.of(l).isAbsolute() || hasControl(l)) {
        throw KithException.badInput("run this through the ./kith launcher script (it tells the command its own"
            + " path, which the unit runs); nothing was written");
      }
      return Path.of(l).normalize();
    }
  }

  @Command(name = "uninstall", mixinStandardHelpOptions = true,
      description = {"Remove the unit that `kith service install` wrote.",
        "First run `systemctl --user disable --now kith` so that systemd stops the node and forgets the unit."})
  static final class Uninstall implements Callable<Integer> {
    @Override
    public Integer call() throws KithException {
      Kith.Context c = Kith.ctx;
      Terminal t = c.terminal();
      Path unit = unitFile(c.env);
      if (!Files.exists(unit, LinkOption.NOFOLLOW_LINKS)) {
        throw KithException.badInput("no " + UNIT_NAME + " at " + unit + "; nothing to remove");
      }
      String text = read(unit);
      if (text == null || !text.startsWith(MARKER)) {
        throw KithException.badInput(unit + " was not written by Kith; it was left as it is");
      }
      try {
        Files.delete(unit);
      } catch (IOException e) {
        throw KithException.badInput("cannot remove " + unit + ": " + e.getMessage());
      }
      JsonObject o = new JsonObject();
      o.addProperty("unit", unit.toString());
      o.addProperty("removed", true);
      t.json(o);
      t.say("Removed " + unit);
      t.say("If it was enabled, run first (or now):  systemctl --user disable --now kith");
      t.say("then:  systemctl --user daemon-reload");
      return 0;
    }
  }

  /** The file's text, or null if it is not a readable UTF-8 regular file (a link, a folder, binary). */
  static String read(Path f) throws KithException {
    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    try {
      return new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw KithException.badInput("cannot read " + f + ": " + e.getMessage());
    }
  }

  static void write(Path unit, String text) throws KithException {
    try {
      Files.createDirectories(unit.getParent());
      Path tmp = unit.resolveSibling(UNIT_NAME + ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, unit, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, unit, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw KithException.badInput("cannot write " + unit + ": " + e.getMessage());
    }
  }
}
