package org.kith.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.MiniCluster;

/**
 * Runs {@code ./kith} as separate processes, the way a person would: the launcher, the packaged jar, real
 * homes, real ports. Two people on one machine pair through the CLI while their nodes run.
 */
class LauncherIT {
  static final String PASS = "launcher test passphrase";
  Path tmp;
  final List<Process> started = new ArrayList<>();

  record Run(int code, String out, String err) {}

  @BeforeEach
  void setUp() throws IOException {
    tmp = Files.createTempDirectory("kith-it");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : started) {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    try (var s = Files.walk(tmp)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static Path kith() {
    return Path.of(System.getProperty("kith.repo.root", "..")).resolve("kith").toAbsolutePath().normalize();
  }

  ProcessBuilder builder(Path home, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(kith().toString());
    cmd.add("--home");
    cmd.add(home.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
    pb.environment().put("KITH_PASSPHRASE", PASS);
    return pb;
  }

  Run run(Path home, String... args) throws Exception {
    Process p = builder(home, args).start();
    p.getOutputStream().close();
    var out = p.getInputStream().readAllBytes();
    var err = p.getErrorStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "kith " + List.of(args) + " did not finish");
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  Run ok(Path home, String... args) throws Exception {
    Run r = run(home, args);
    assertEquals(0, r.code(), () -> "kith " + List.of(args) + " exited " + r.code() + "\n" + r.out() + r.err());
    return r;
  }

  /** Starts {@code kith start} and waits for its "running" line. */
  Process start(Path home, String listen) throws Exception {
    Process p = builder(home, "start", "--listen", listen, "--api-port", "0").redirectErrorStream(true).start();
    started.add(p);
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    StringBuilder seen = new StringBuilder();
    String line;
    while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.contains("Ctrl-C to stop")) {
        Thread drain = new Thread(() -> {
          try {
            while (r.readLine() != null) {
              // keep the pipe empty
            }
          } catch (IOException e) {
            // process ended
          }
        });
        drain.setDaemon(true);
        drain.start();
        return p;
      }
    }
    throw new AssertionError("kith start did not come up:\n" + seen);
  }

  @Test
  void personalJourney_throughTheLauncher() throws Exception {
    Path home = tmp.resolve("solo");
    assertTrue(ok(home, "--help").out().contains("Usage: kith"));
    JsonObject id = JsonParser.parseString(ok(home, "init", "--name", "Solo", "--json").out()).getAsJsonObject();
    assertTrue(id.get("id").getAsString().startsWith("kith1"));
    Path notes = tmp.resolve("notes");
    Files.createDirectories(notes.resolve("sub"));
    Files.writeString(notes.resolve("a.md"), "# Bikes\nPatch the inner tube with a rubber patch and glue.");
    Files.writeString(notes.resolve("sub/b.md"), "# Bread\nFeed the sourdough starter every day.");
    ok(home, "note", "import", notes.toString());
    JsonArray hits = JsonParser.parseString(ok(home, "search", "fix a puncture", "--json").out()).getAsJsonObject()
        .getAsJsonArray("results");
    assertEquals("Bikes", hits.get(0).getAsJsonObject().get("title").getAsString());
    Run wrong = runWithPass(home, "not it", "id");
    assertEquals(3, wrong.code());
    assertEquals(2, run(home, "no-such-command").code());

    // A passphrase piped in on standard input, for scripts: `--passphrase-file -`, one line per passphrase asked.
    Run piped = runWithStdin(home, PASS + "\nnew passphrase here\n", "--passphrase-file", "-", "passphrase",
        "--new-passphrase-file", "-");
    assertEquals(0, piped.code(), piped.out() + piped.err());
    assertEquals(3, runWithStdin(home, PASS + "\n", "--passphrase-file", "-", "id").code());
    Run nothing = runWithStdin(home, "", "--passphrase-file", "-", "id");
    assertEquals(3, nothing.code());
    assertTrue(nothing.err().contains("standard input"), nothing.err());
    assertEquals(0, runWithStdin(home, "new passphrase here\n", "--passphrase-file", "-", "id").code());
  }

  Run runWithStdin(Path home, String stdin, String... args) throws Exception {
    ProcessBuilder pb = builder(home, args);
    pb.environment().remove("KITH_PASSPHRASE");
    Process p = pb.start();
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    var out = p.getInputStream().readAllBytes();
    var err = p.getErrorStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  Run runWithPass(Path home, String pass, String... args) throws Exception {
    ProcessBuilder pb = builder(home, args);
    pb.environment().put("KITH_PASSPHRASE", pass);
    Process p = pb.start();
    p.getOutputStream().close();
    var out = p.getInputStream().readAllBytes();
    var err = p.getErrorStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void twoPeople_pairThroughTheCli_whileTheirNodesRun() throws Exception {
    Path alice = tmp.resolve("alice");
    Path bob = tmp.resolve("bob");
    ok(alice, "init", "--name", "Alice");
    ok(bob, "init", "--name", "Bob");
    int portA = freePort();
    int portB = freePort();
    start(alice, "127.0.0.1:" + portA);
    start(bob, "127.0.0.1:" + portB);

    JsonObject status = JsonParser.parseString(ok(alice, "status", "--json").out()).getAsJsonObject();
    assertTrue(status.get("running").getAsBoolean());
    JsonObject aliceId = JsonParser.parseString(ok(alice, "id", "--json").out()).getAsJsonObject();
    assertTrue(aliceId.get("networkKey").getAsString().matches("[0-9a-f]{64}"));

    String code = ok(alice, "invite", "--circle", "neighbours").out().lines().findFirst().orElseThrow().strip();
    assertTrue(code.startsWith("kithinv1"), code);
    ok(bob, "pair", code);
    Run reuse = run(bob, "pair", code);
    assertEquals(1, reuse.code(), reuse.err());

    JsonArray alicePeers = JsonParser.parseString(ok(alice, "peers", "--json").out()).getAsJsonArray();
    JsonArray bobPeers = JsonParser.parseString(ok(bob, "peers", "--json").out()).getAsJsonArray();
    assertEquals(1, alicePeers.size());
    assertEquals("Bob", alicePeers.get(0).getAsJsonObject().get("petname").getAsString());
    assertEquals("neighbours", alicePeers.get(0).getAsJsonObject().get("circle").getAsString());
    assertEquals("Alice", bobPeers.get(0).getAsJsonObject().get("petname").getAsString());
    assertTrue(ok(alice, "peers").out().contains("Bob"));
  }

  /** {@code kith start} with its stdout and stderr kept, from the "running" line on. */
  record Node(Process process, StringBuffer output) {}

  Node startKeepingOutput(Path home) throws Exception {
    Process p = builder(home, "start", "--listen", "127.0.0.1:0", "--api-port", "0").redirectErrorStream(true).start();
    started.add(p);
    p.getOutputStream().close();
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuffer seen = new StringBuffer();
    String line;
    while ((line = r.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.contains("Ctrl-C to stop")) {
        Thread drain = new Thread(() -> {
          try {
            String l;
            while ((l = r.readLine()) != null) {
              seen.append(l).append('\n');
            }
          } catch (IOException e) {
            // process ended
          }
        });
        drain.setDaemon(true);
        drain.start();
        return new Node(p, seen);
      }
    }
    throw new AssertionError("kith start did not come up:\n" + seen);
  }

  @Test
  void stop_andSigterm_stopTheNodeCleanly_andIdNeedsNoPassphrase() throws Exception {
    Path home = tmp.resolve("runner");
    String id = JsonParser.parseString(ok(home, "init", "--json").out()).getAsJsonObject().get("id").getAsString();
    Run none = run(home, "stop");
    assertEquals(1, none.code());
    assertTrue(none.err().contains("no node is running"), none.err());
    Run noPass = runWithStdin(home, "", "id");
    assertEquals(0, noPass.code(), noPass.err());
    assertTrue(noPass.out().startsWith(id), noPass.out());

    Node a = startKeepingOutput(home);
    Run stop = ok(home, "stop");
    assertTrue(stop.out().contains("Stopped the node of " + home), stop.out());
    assertTrue(a.process().waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, a.process().exitValue(), a.output().toString());
    assertFalse(Files.exists(home.resolve("node.json")));
    assertFalse(Files.exists(home.resolve("api.token")));

    Node b = startKeepingOutput(home);
    // SIGTERM, as systemd and kill send it; Process.destroy() would also close our end of its output.
    b.process().toHandle().destroy();
    assertTrue(b.process().waitFor(120, TimeUnit.SECONDS));
    MiniCluster.await("the last line of the stopped node", () -> b.output().toString().contains("Stopped."));
    String out = b.output().toString();
    assertTrue(out.contains("Stopping…\nStopped.\n"), out);
    assertFalse(Files.exists(home.resolve("node.json")));
    ok(home, "note", "add", "the vault is free again");
  }

  @Test
  void serviceInstall_writesThisLaunchersPath() throws Exception {
    Path home = tmp.resolve("svc");
    ok(home, "init");
    Path pass = tmp.resolve("pass");
    Files.writeString(pass, PASS + "\n");
    Files.setPosixFilePermissions(pass, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    ProcessBuilder pb = builder(home, "service", "install", "--passphrase-file", pass.toString());
    pb.environment().put("XDG_CONFIG_HOME", tmp.resolve("config").toString());
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out + err);
    String unit = Files.readString(tmp.resolve("config/systemd/user/kith.service"));
    assertTrue(unit.contains("ExecStart=\"" + kith() + "\" \"--home\""), unit);
  }

  static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
