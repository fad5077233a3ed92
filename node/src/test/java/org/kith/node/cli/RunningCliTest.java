package org.kith.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.cli.KithCliTest.Result;
import org.kith.node.MiniCluster;
import org.kith.node.api.RunFiles;
import org.kith.node.base.Home;

/** stop, the API port, identity.pub for id and status without a passphrase, the warning of restore. */
class RunningCliTest {
  static final String PASS = KithCliTest.PASS;
  /** The CLI harness of KithCliTest: a temporary home, KITH_PASSPHRASE, the test model and KDF. */
  final KithCliTest cli = new KithCliTest();
  Path tmp;
  Path home;
  Map<String, String> env;

  @BeforeEach
  void setUp() throws IOException {
    cli.setUp();
    tmp = cli.tmp;
    home = cli.home;
    env = cli.env;
  }

  @AfterEach
  void tearDown() {
    cli.tearDown();
  }

  Result run(String... args) {
    return cli.run(args);
  }

  Result runRaw(String... args) {
    return cli.runRaw(args);
  }

  Result ok(String... args) {
    return cli.ok(args);
  }

  Result runRawOk(String... args) {
    Result r = runRaw(args);
    assertEquals(0, r.code(), r.err());
    return r;
  }

  /** {@code kith start} on a thread of this JVM, as a person runs it in a terminal; returns its exit code. */
  CompletableFuture<Result> startInBackground(String... extra) {
    String[] args = new String[4 + extra.length];
    args[0] = "start";
    args[1] = "--listen";
    args[2] = "127.0.0.1:0";
    args[3] = "--api-port=0";
    System.arraycopy(extra, 0, args, 4, extra.length);
    CompletableFuture<Result> f = CompletableFuture.supplyAsync(() -> run(args));
    Home h = new Home(home);
    MiniCluster.await("the node's run files", () -> f.isDone() || RunFiles.runInfo(h).isPresent());
    assertFalse(f.isDone(), () -> "start ended: " + f.join());
    return f;
  }

  @Test
  void stop_withoutANode_exits1_andSaysSo() {
    ok("init");
    Result r = run("stop");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("no node is running for " + home.toAbsolutePath().normalize()), r.err());
  }

  @Test
  void stop_stopsTheRunningNode_andTheVaultIsFreeAfterwards() throws Exception {
    ok("init", "--name", "Alice");
    CompletableFuture<Result> node = startInBackground();
    assertTrue(ok("status", "--json").json().get("running").getAsBoolean());

    Result stop = ok("stop");
    assertEquals("Stopped the node of " + home.toAbsolutePath().normalize() + ".", stop.out().strip());
    Result started = node.get(MiniCluster.AWAIT_LIMIT.toSeconds(), TimeUnit.SECONDS);
    assertEquals(0, started.code(), started.err());
    assertTrue(started.err().contains("Stopping…"), started.err());
    assertTrue(started.err().strip().endsWith("Stopped."), started.err());
    assertFalse(RunFiles.present(new Home(home)));
    // The node let go of the vault before its run files went: a command opens it at once.
    ok("note", "add", "written right after the node stopped");
    assertEquals(1, run("stop").code());
  }

  @Test
  void start_onATakenApiPort_namesTheOption_andLeavesNothingRunning() throws IOException {
    ok("init");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Result r = run("start", "--listen", "127.0.0.1:0", "--api-port", String.valueOf(taken.getLocalPort()));
      assertEquals(1, r.code(), r.err());
      assertTrue(r.err().contains("port " + taken.getLocalPort()), r.err());
      assertTrue(r.err().contains("--api-port"), r.err());
    }
    assertFalse(RunFiles.present(new Home(home)));
    ok("note", "add", "the vault was closed again");
    Result bad = run("start", "--api-port", "70000");
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains("--api-port"), bad.err());
  }

  @Test
  void start_usesPort7348_unlessToldOtherwise() {
    picocli.CommandLine cl = new picocli.CommandLine(new StartCommand());
    cl.parseArgs();
    assertEquals(7348, ((StartCommand) cl.getCommand()).apiPort);
    assertEquals(7348, StartCommand.DEFAULT_API_PORT);
  }

  @Test
  void id_andStatus_withoutPassphrase_readIdentityPub_whichHoldsNoSecretAndNoName() throws IOException {
    JsonObject created = ok("init", "--name", "Quillon Marsh", "--json").json();
    Path pub = home.resolve("identity.pub");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pub)));
    String text = Files.readString(pub, StandardCharsets.UTF_8);
    assertTrue(text.contains(created.get("id").getAsString()), text);
    assertFalse(text.toLowerCase(Locale.ROOT).contains("quillon"), text);
    assertTrue(text.length() < 200, text);

    env.remove("KITH_PASSPHRASE");
    JsonObject id = ok("id", "--json").json();
    assertEquals(created.get("id"), id.get("id"));
    assertEquals(created.get("publicKey"), id.get("publicKey"));
    assertEquals(created.get("fingerprint"), id.get("fingerprint"));
    assertTrue(id.get("name").isJsonNull());
    assertTrue(id.get("networkKey").getAsString().matches("[0-9a-f]{64}"));
    assertTrue(ok("id").out().startsWith(created.get("id").getAsString()));

    Result status = ok("status");
    assertTrue(status.out().contains(created.get("id").getAsString()), status.out());
    assertTrue(status.out().contains("not running"), status.out());
    JsonObject s = ok("status", "--json").json();
    assertEquals("locked", s.get("vault").getAsString());
    assertFalse(s.get("running").getAsBoolean());
    assertEquals(created.get("id"), s.getAsJsonObject("identity").get("id"));

    // With the passphrase, the name comes from the vault as before.
    env.put("KITH_PASSPHRASE", PASS);
    assertEquals("Quillon Marsh", ok("id", "--json").json().get("name").getAsString());
  }

  @Test
  void id_withoutIdentityPub_saysToRunACommandWithThePassphraseOnce_whichWritesIt() throws IOException {
    String created = ok("init", "--json").json().get("id").getAsString();
    Path pub = home.resolve("identity.pub");
    Files.delete(pub);
    env.remove("KITH_PASSPHRASE");
    Map<String, byte[]> before = KithCliTest.snapshot(home);
    Result r = run("id");
    assertEquals(3, r.code());
    assertTrue(r.err().contains("run any command with the passphrase once"), r.err());
    KithCliTest.assertSameFiles(before, KithCliTest.snapshot(home));

    env.put("KITH_PASSPHRASE", PASS);
    ok("note", "list");
    assertTrue(Files.exists(pub));
    env.remove("KITH_PASSPHRASE");
    assertEquals(created, ok("id", "--json").json().get("id").getAsString());
  }

  @Test
  void restore_warnsThatTheRestoredNodeHasTheSameIdentity() {
    ok("init");
    Path backup = tmp.resolve("b.kithbackup");
    ok("backup", backup.toString());
    Result r = runRawOk("restore", backup.toString(), "--home", tmp.resolve("new").toString());
    assertTrue(r.err().contains("SAME identity"), r.err());
    assertTrue(r.err().contains("only one of them at a time"), r.err());
    assertTrue(r.err().contains("peers cannot tell the two apart"), r.err());
    assertTrue(r.err().contains("stop the old one first"), r.err());
    Result json = runRawOk("restore", backup.toString(), "--home", tmp.resolve("new2").toString(), "--json");
    assertTrue(json.err().contains("SAME identity"), json.err());
    assertTrue(json.json().has("home"));
  }
}
