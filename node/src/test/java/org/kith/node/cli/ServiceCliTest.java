package org.kith.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.TestModel;
import org.kith.node.base.Home;
import org.kith.node.cli.KithCliTest.Result;

/** {@code kith service install | uninstall}: the unit's text, and every refusal changes nothing. */
class ServiceCliTest {
  Path tmp;
  Path home;
  Path config;
  Path unit;
  Path passFile;
  Path launcher;
  Map<String, String> env;

  @BeforeEach
  void setUp() throws IOException {
    tmp = Files.createTempDirectory("kith-service");
    home = tmp.resolve("home");
    config = tmp.resolve("config");
    unit = config.resolve("systemd/user/kith.service");
    launcher = tmp.resolve("repo/kith");
    passFile = tmp.resolve("pass");
    Files.writeString(passFile, KithCliTest.PASS + "\n");
    Files.setPosixFilePermissions(passFile, PosixFilePermissions.fromString("rw-------"));
    env = new HashMap<>();
    env.put("KITH_PASSPHRASE", KithCliTest.PASS);
    env.put("XDG_CONFIG_HOME", config.toString());
    env.put("KITH_LAUNCHER", launcher.toString());
    assertEquals(0, run("init").code());
    env.remove("KITH_PASSPHRASE");
  }

  @AfterEach
  void tearDown() {
    TestModel.deleteTree(tmp);
  }

  Result run(String... args) {
    List<String> all = new ArrayList<>(List.of("--home", home.toString()));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Kith.run(all.toArray(String[]::new), env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false, TestModel.source(),
        org.kith.storage.KdfProfile.TESTING_ONLY_INSECURE);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  Result ok(String... args) {
    Result r = run(args);
    assertEquals(0, r.code(), () -> "exit " + r.code() + "\nout: " + r.out() + "\nerr: " + r.err());
    return r;
  }

  @Test
  void install_writesTheUserUnit_andPrintsTheCommandsToRun() throws IOException {
    Result r = ok("service", "install", "--passphrase-file", passFile.toString(), "--listen", "0.0.0.0:7447");
    String h = home.toAbsolutePath().normalize().toString();
    String expected = ServiceCommand.MARKER + "\n"
        + "[Unit]\n"
        + "Description=Kith node of " + h + "\n"
        + "Wants=network-online.target\n"
        + "After=network-online.target\n\n"
        + "[Service]\n"
        + "Type=simple\n"
        + "ExecStart=\"" + launcher + "\" \"--home\" \"" + h + "\" \"--passphrase-file\" \"" + passFile
        + "\" \"start\" \"--listen\" \"0.0.0.0:7447\"\n"
        + "Restart=on-failure\n"
        + "RestartSec=10\n"
        + "RestartPreventExitStatus=1 2 3\n\n"
        + "[Install]\n"
        + "WantedBy=default.target\n";
    assertEquals(expected, Files.readString(unit));
    assertTrue(r.out().contains(unit.toString()), r.out());
    assertTrue(r.out().contains("systemctl --user daemon-reload && systemctl --user enable --now kith"), r.out());
    assertTrue(r.out().contains("loginctl enable-linger $USER"), r.out());
    assertFalse(Files.readString(unit).contains(KithCliTest.PASS));

    Result again = ok("service", "install", "--passphrase-file", passFile.toString(), "--listen", "0.0.0.0:7447");
    assertTrue(again.out().contains("Already installed"), again.out());
  }

  @Test
  void install_withoutListen_andWithJavaHome_quotesForSystemd() throws IOException {
    env.put("JAVA_HOME", "/opt/java 17");
    Path odd = tmp.resolve("100% $HOME \"x\"");
    Files.createDirectories(odd);
    Path pass = odd.resolve("pass");
    Files.writeString(pass, "x\n");
    Files.setPosixFilePermissions(pass, PosixFilePermissions.fromString("r--------"));
    ok("service", "install", "--passphrase-file", pass.toString());
    String text = Files.readString(unit);
    assertTrue(text.contains("Environment=\"JAVA_HOME=/opt/java 17\"\n"), text);
    assertTrue(text.contains("\"--passphrase-file\" \"" + odd.toString().replace("%", "%%").replace("$", "$$")
        .replace("\"", "\\\"") + "/pass\" \"start\"\n"), text);
  }

  @Test
  void install_withoutAPassphraseFile_isRefused_andSaysWhy() {
    for (String[] args : new String[][] {{"service", "install"}, {"--passphrase-file", "-", "service", "install"}}) {
      Result r = run(args);
      assertEquals(1, r.code());
      assertTrue(r.err().contains("--passphrase-file"), r.err());
      assertTrue(r.err().contains("cannot ask for the passphrase"), r.err());
    }
    assertFalse(Files.exists(config));
  }

  @Test
  void install_withAPassphraseFileOthersCanRead_isRefused_namingChmod() throws IOException {
    Files.setPosixFilePermissions(passFile, PosixFilePermissions.fromString("rw-r--r--"));
    Result r = run("service", "install", "--passphrase-file", passFile.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("chmod 600 " + passFile), r.err());
    assertFalse(Files.exists(config));
    Result missing = run("service", "install", "--passphrase-file", tmp.resolve("nope").toString());
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("no passphrase file"), missing.err());
  }

  @Test
  void install_withoutAVault_orALauncher_isRefused() {
    Path keep = home;
    home = tmp.resolve("empty");
    Result noVault = run("service", "install", "--passphrase-file", passFile.toString());
    home = keep;
    assertEquals(1, noVault.code());
    assertTrue(noVault.err().contains("kith init"), noVault.err());
    env.remove("KITH_LAUNCHER");
    Result noLauncher = run("service", "install", "--passphrase-file", passFile.toString());
    assertEquals(1, noLauncher.code());
    assertTrue(noLauncher.err().contains("launcher"), noLauncher.err());
    assertFalse(Files.exists(config));
  }

  @Test
  void install_refusesToReplaceADifferentUnit_withoutForce() throws IOException {
    Files.createDirectories(unit.getParent());
    Files.writeString(unit, "[Service]\nExecStart=/usr/bin/something-else\n");
    Result r = run("service", "install", "--passphrase-file", passFile.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("--force"), r.err());
    assertEquals("[Service]\nExecStart=/usr/bin/something-else\n", Files.readString(unit));
    ok("service", "install", "--passphrase-file", passFile.toString(), "--force");
    assertTrue(Files.readString(unit).startsWith(ServiceCommand.MARKER));
  }

  @Test
  void uninstall_removesOnlyAUnitKithWrote() throws IOException {
    Result none = run("service", "uninstall");
    assertEquals(1, none.code());
    assertTrue(none.err().contains("nothing to remove"), none.err());

    ok("service", "install", "--passphrase-file", passFile.toString());
    Result r = ok("service", "uninstall");
    assertTrue(r.out().contains("systemctl --user disable --now kith"), r.out());
    assertFalse(Files.exists(unit));

    Files.writeString(unit, "[Service]\nExecStart=/usr/bin/something-else\n");
    Result foreign = run("service", "uninstall");
    assertEquals(1, foreign.code());
    assertTrue(foreign.err().contains("not written by Kith"), foreign.err());
    assertTrue(Files.exists(unit));
  }

  @Test
  void unitPath_honoursXdgConfigHome_elseHome() {
    assertEquals(Path.of("/x/cfg/systemd/user/kith.service"),
        ServiceCommand.unitFile(Map.of("XDG_CONFIG_HOME", "/x/cfg", "HOME", "/home/a")));
    assertEquals(Path.of("/home/a/.config/systemd/user/kith.service"),
        ServiceCommand.unitFile(Map.of("HOME", "/home/a")));
    assertEquals(Path.of("/home/a/.config/systemd/user/kith.service"),
        ServiceCommand.unitFile(Map.of("XDG_CONFIG_HOME", "relative", "HOME", "/home/a")));
    assertTrue(new Home(home).dir().isAbsolute());
  }
}
