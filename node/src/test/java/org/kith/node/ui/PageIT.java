package org.kith.node.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The local page in a real browser: two people (two homes, two {@code ./kith start} processes) log in with the
 * one-time links their nodes print, then add, import and search notes, make an invite whose QR code is read
 * back here, pair, share and ask, all through their pages, in Debian's headless Chromium driven by
 * playwright-core ({@code node/src/test/js/page-test.js}). The script also checks the refusals (foreign Host,
 * missing X-Kith-Request, no cookie) and audits every view with axe-core. Screenshots land in
 * {@code target/ui-screenshots/}.
 */
class PageIT {
  static final String PASS = "page test passphrase";
  static final String CHROMIUM = "/usr/bin/chromium";
  static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(6);

  Path tmp;
  final List<Process> started = new ArrayList<>();

  record Node(Path home, int port, String loginUrl) {}

  @BeforeEach
  void setUp() throws IOException {
    tmp = Files.createTempDirectory("kith-page-it");
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

  static Path repo() {
    return Path.of(System.getProperty("kith.repo.root", "..")).toAbsolutePath().normalize();
  }

  static Path jsDir() {
    return repo().resolve("node/src/test/js");
  }

  static Path shotsDir() {
    return repo().resolve("node/target/ui-screenshots");
  }

  @Test
  void twoHomes_throughTheirPages_inHeadlessChromium() throws Exception {
    requireBrowserTools();
    Node alice = startNode("alice", "Alice");
    Node bob = startNode("bob", "Bob");

    Path shots = shotsDir();
    Files.createDirectories(shots);
    Path resultFile = tmp.resolve("result.json");
    JsonObject cfg = new JsonObject();
    cfg.add("alice", nodeJson(alice));
    cfg.add("bob", nodeJson(bob));
    cfg.addProperty("shots", shots.toString());
    cfg.addProperty("result", resultFile.toString());
    Path cfgFile = tmp.resolve("page-test.json");
    Files.writeString(cfgFile, cfg.toString());

    ProcessBuilder pb = new ProcessBuilder("node", jsDir().resolve("page-test.js").toString(), cfgFile.toString())
        .directory(jsDir().toFile()).redirectErrorStream(true);
    Process script = pb.start();
    script.getOutputStream().close();
    String out = readAll(script, SCRIPT_TIMEOUT);
    System.out.println(out);

    assertTrue(Files.exists(resultFile), "the browser script wrote no result:\n" + out);
    JsonObject result = JsonParser.parseString(Files.readString(resultFile)).getAsJsonObject();
    StringBuilder report = new StringBuilder();
    for (JsonElement e : result.getAsJsonArray("steps")) {
      JsonObject s = e.getAsJsonObject();
      report.append(s.get("ok").getAsBoolean() ? "  ok   " : "  FAIL ").append(s.get("name").getAsString())
          .append(s.get("detail").getAsString().isEmpty() ? "" : ": " + s.get("detail").getAsString()).append('\n');
    }
    JsonArray problems = result.getAsJsonArray("problems");
    problems.forEach(p -> report.append("  problem: ").append(p.getAsString()).append('\n'));
    System.out.println("page steps:\n" + report);
    assertEquals(0, script.exitValue(), "the browser script failed:\n" + report + "\n" + out);
    assertTrue(result.get("ok").getAsBoolean(), report.toString());

    String code = result.get("inviteCode").getAsString();
    String decoded = decodeQr(Path.of(result.get("qrPng").getAsString()));
    assertEquals(code, decoded, "the QR code on the page does not hold the invite code shown beside it");
  }

  static JsonObject nodeJson(Node n) {
    JsonObject o = new JsonObject();
    o.addProperty("home", n.home().toString());
    o.addProperty("port", n.port());
    o.addProperty("login", n.loginUrl());
    return o;
  }

  /** Reads the QR code in a screenshot of the page's {@code <img>}, with zxing, as a phone camera would. */
  static String decodeQr(Path png) throws Exception {
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, "not an image: " + png);
    int w = img.getWidth();
    int h = img.getHeight();
    int[] pixels = img.getRGB(0, 0, w, h, null, 0, w);
    BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(w, h, pixels)));
    return new QRCodeReader().decode(bitmap, Map.of(DecodeHintType.TRY_HARDER, Boolean.TRUE)).getText();
  }

  /** Chromium comes from Debian, playwright-core from npm; .ci/run installs both. */
  static void requireBrowserTools() throws Exception {
    if (!Files.isExecutable(Path.of(CHROMIUM))) {
      fail(CHROMIUM + " is missing: the page tests need Debian's chromium package. `.ci/run` installs it "
          + "(apt-get install -y chromium); run that, or install it yourself.");
    }
    if (!Files.isDirectory(jsDir().resolve("node_modules/playwright-core"))) {
      Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(jsDir().toFile())
          .redirectErrorStream(true).start();
      npm.getOutputStream().close();
      String out = readAll(npm, Duration.ofMinutes(5));
      if (npm.exitValue() != 0) {
        fail("npm ci in " + jsDir() + " failed (`.ci/run` runs it before Maven):\n" + out);
      }
    }
  }

  static String readAll(Process p, Duration timeout) throws Exception {
    StringBuilder sb = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (sb) {
            sb.append(line).append('\n');
          }
        }
      } catch (IOException e) {
        // process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      reader.join(2000);
      synchronized (sb) {
        fail("timed out after " + timeout + ":\n" + sb);
      }
    }
    reader.join(5000);
    synchronized (sb) {
      return sb.toString();
    }
  }

  ProcessBuilder kith(Path home, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(repo().resolve("kith").toString());
    cmd.add("--home");
    cmd.add(home.toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true);
    pb.environment().put("KITH_PASSPHRASE", PASS);
    return pb;
  }

  /** {@code kith init}, then {@code kith start}; returns once it prints "Ctrl-C to stop", with its login link. */
  Node startNode(String dir, String name) throws Exception {
    Path home = tmp.resolve(dir);
    Process init = kith(home, "init", "--name", name).start();
    init.getOutputStream().close();
    String initOut = readAll(init, Duration.ofMinutes(2));
    assertEquals(0, init.exitValue(), "kith init failed:\n" + initOut);

    Process p = kith(home, "start", "--listen", "127.0.0.1:" + freePort(), "--api-port", "0").start();
    started.add(p);
    p.getOutputStream().close();
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    StringBuilder seen = new StringBuilder();
    String login = null;
    String line;
    while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
      seen.append(line).append('\n');
      int at = line.indexOf("Open the page: ");
      if (at >= 0) {
        login = line.substring(at + "Open the page: ".length()).strip().split("\\s+")[0];
      }
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
        assertNotNull(login, "kith start printed no login link:\n" + seen);
        java.net.URI u = java.net.URI.create(login);
        assertEquals("127.0.0.1", u.getHost(), login);
        return new Node(home, u.getPort(), login);
      }
    }
    throw new AssertionError("kith start did not come up:\n" + seen);
  }

  static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
