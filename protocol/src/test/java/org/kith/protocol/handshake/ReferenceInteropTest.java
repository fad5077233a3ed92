package org.kith.protocol.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kith.protocol.boxstream.BoxStreamDecoder;
import org.kith.protocol.boxstream.BoxStreamEncoder;
import org.kith.protocol.handshake.HandshakeException.Reason;
import org.kith.protocol.identity.KeyPair;

/**
 * Our handshake and box-stream against the npm reference (secret-handshake 1.1.21, pull-box-stream 1.0.13)
 * over real loopback sockets, in both roles. The reference runs as {@code node shs.js ...} in
 * protocol/src/test/js; it reports on stdout (see the top of shs.js).
 */
class ReferenceInteropTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final int TIMEOUT_MILLIS = 30_000;
  /** Sizes of the bodies each side sends: one byte, one full box, one over a box (split), then small. */
  private static final String JS_SENDS = "1,4096,5000,300";
  private static final String JAVA_SENDS = "2,10000,4095,17";

  private static final byte[] CLIENT_SEED = filled(0x41);
  private static final byte[] SERVER_SEED = filled(0x42);
  private static final KeyPair CLIENT = KeyPair.fromSeed(CLIENT_SEED);
  private static final KeyPair SERVER = KeyPair.fromSeed(SERVER_SEED);
  private static final String NETWORK = HEX.formatHex(NetworkKey.KITH_V1.bytes());
  private static final String OTHER_NETWORK = HEX.formatHex(filled(0x0e));

  private static Path jsDir;

  @BeforeAll
  static void installReference() throws Exception {
    jsDir = TestVectors.repoRoot().resolve("protocol/src/test/js");
    if (Files.isDirectory(jsDir.resolve("node_modules/secret-handshake"))) {
      return;
    }
    Process npm;
    try {
      npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(jsDir.toFile())
          .redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException("the interop tests need Node.js 20 and npm on the PATH to install the "
          + "reference into " + jsDir.resolve("node_modules") + " (or run: npm ci --prefix protocol/src/test/js)",
          e);
    }
    String log = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      throw new IllegalStateException("npm ci in " + jsDir + " failed:\n" + log);
    }
  }

  @Test
  void referenceClient_javaServer_handshakeAndBoxStreamBothWays() throws Exception {
    try (ServerSocket listener = listen()) {
      Node js = Node.start("client", String.valueOf(listener.getLocalPort()), NETWORK,
          HEX.formatHex(CLIENT_SEED), HEX.formatHex(SERVER.publicKey()), JS_SENDS);
      try (Socket socket = accept(listener)) {
        SecretHandshake server = SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true);
        Session session = drive(server, socket);
        assertArrayEquals(CLIENT.publicKey(), session.remotePublicKey());
        exchange(session, socket);
      }
      js.assertSucceeded(SERVER.publicKey());
    }
  }

  @Test
  void javaClient_referenceServer_handshakeAndBoxStreamBothWays() throws Exception {
    Node js = Node.start("server", NETWORK, HEX.formatHex(SERVER_SEED), JS_SENDS);
    try (Socket socket = connect(js.port())) {
      SecretHandshake client = SecretHandshake.client(NetworkKey.KITH_V1, CLIENT, SERVER.publicKey());
      Session session = drive(client, socket);
      assertArrayEquals(SERVER.publicKey(), session.remotePublicKey());
      exchange(session, socket);
    }
    js.assertSucceeded(CLIENT.publicKey());
  }

  @Test
  void referenceClient_otherNetworkKey_bothSidesAbort() throws Exception {
    try (ServerSocket listener = listen()) {
      Node js = Node.start("client", String.valueOf(listener.getLocalPort()), OTHER_NETWORK,
          HEX.formatHex(CLIENT_SEED), HEX.formatHex(SERVER.publicKey()), JS_SENDS);
      HandshakeException e;
      try (Socket socket = accept(listener)) {
        SecretHandshake server = SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true);
        e = assertThrows(HandshakeException.class, () -> drive(server, socket));
      }
      assertEquals(Reason.NETWORK_KEY_MISMATCH, e.reason());
      js.assertFailed("shs.client");
    }
  }

  @Test
  void referenceClient_dialsOtherServerKey_bothSidesAbort() throws Exception {
    try (ServerSocket listener = listen()) {
      Node js = Node.start("client", String.valueOf(listener.getLocalPort()), NETWORK,
          HEX.formatHex(CLIENT_SEED), HEX.formatHex(CLIENT.publicKey()), JS_SENDS);
      HandshakeException e;
      try (Socket socket = accept(listener)) {
        SecretHandshake server = SecretHandshake.server(NetworkKey.KITH_V1, SERVER, k -> true);
        e = assertThrows(HandshakeException.class, () -> drive(server, socket));
      }
      assertEquals(Reason.SERVER_KEY_MISMATCH, e.reason());
      js.assertFailed("phase 3");
    }
  }

  @Test
  void referenceClient_refusedByJavaServer_bothSidesAbort() throws Exception {
    try (ServerSocket listener = listen()) {
      Node js = Node.start("client", String.valueOf(listener.getLocalPort()), NETWORK,
          HEX.formatHex(CLIENT_SEED), HEX.formatHex(SERVER.publicKey()), JS_SENDS);
      HandshakeException e;
      try (Socket socket = accept(listener)) {
        SecretHandshake server = SecretHandshake.server(NetworkKey.KITH_V1, SERVER,
            k -> !Arrays.equals(k, CLIENT.publicKey()));
        e = assertThrows(HandshakeException.class, () -> drive(server, socket));
      }
      assertEquals(Reason.CLIENT_REFUSED, e.reason());
      js.assertFailed("phase 3");
    }
  }

  @Test
  void javaClient_otherNetworkKey_bothSidesAbort() throws Exception {
    Node js = Node.start("server", OTHER_NETWORK, HEX.formatHex(SERVER_SEED), JS_SENDS);
    HandshakeException e;
    try (Socket socket = connect(js.port())) {
      SecretHandshake client = SecretHandshake.client(NetworkKey.KITH_V1, CLIENT, SERVER.publicKey());
      e = assertThrows(HandshakeException.class, () -> drive(client, socket));
    }
    assertEquals(Reason.PEER_CLOSED, e.reason());
    assertEquals(2, e.message());
    js.assertFailed("phase 1");
  }

  @Test
  void javaClient_dialsOtherServerKey_bothSidesAbort() throws Exception {
    Node js = Node.start("server", NETWORK, HEX.formatHex(SERVER_SEED), JS_SENDS);
    HandshakeException e;
    try (Socket socket = connect(js.port())) {
      SecretHandshake client = SecretHandshake.client(NetworkKey.KITH_V1, CLIENT, CLIENT.publicKey());
      e = assertThrows(HandshakeException.class, () -> drive(client, socket));
    }
    assertEquals(Reason.PEER_CLOSED, e.reason());
    assertEquals(4, e.message());
    js.assertFailed("phase 3");
  }

  /** A minimal blocking driver, the same loop the Netty handler will run. Closes the socket on failure. */
  static Session drive(SecretHandshake hs, Socket socket) throws IOException, HandshakeException {
    InputStream in = socket.getInputStream();
    OutputStream out = socket.getOutputStream();
    try {
      while (true) {
        for (byte[] m = hs.nextMessage(); m != null; m = hs.nextMessage()) {
          out.write(m);
        }
        out.flush();
        if (hs.isComplete()) {
          return hs.session();
        }
        byte[] msg = in.readNBytes(hs.expectedBytes());
        if (msg.length < hs.expectedBytes()) {
          hs.peerClosed();
        }
        hs.receive(msg);
      }
    } catch (HandshakeException | IOException e) {
      socket.close();
      throw e;
    }
  }

  /** Sends our bodies and the goodbye, then reads theirs to their goodbye, and checks both directions. */
  private static void exchange(Session session, Socket socket) throws Exception {
    try (BoxStreamEncoder enc = new BoxStreamEncoder(session);
        BoxStreamDecoder dec = new BoxStreamDecoder(session)) {
      OutputStream out = socket.getOutputStream();
      for (byte[] body : bodies(JAVA_SENDS)) {
        out.write(enc.encode(body));
      }
      out.write(enc.goodbye());
      out.flush();
      InputStream in = socket.getInputStream();
      List<byte[]> received = new ArrayList<>();
      byte[] buf = new byte[1500];
      while (!dec.isFinished()) {
        int n = in.read(buf);
        if (n < 0) {
          dec.end();
        }
        received.addAll(dec.decode(buf, 0, n));
      }
      assertEquals(hexes(boxes(JS_SENDS)), hexes(received));
    }
  }

  private static ServerSocket listen() throws IOException {
    ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    s.setSoTimeout(TIMEOUT_MILLIS);
    return s;
  }

  private static Socket accept(ServerSocket listener) throws IOException {
    Socket s = listener.accept();
    s.setSoTimeout(TIMEOUT_MILLIS);
    return s;
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
    s.setSoTimeout(TIMEOUT_MILLIS);
    return s;
  }

  /** The bodies of a spec, as shs.js makes them: body i of size n has byte j = (j * 31 + n + i) & 0xff. */
  static List<byte[]> bodies(String spec) {
    List<byte[]> out = new ArrayList<>();
    String[] sizes = spec.split(",");
    for (int i = 0; i < sizes.length; i++) {
      int n = Integer.parseInt(sizes[i]);
      byte[] b = new byte[n];
      for (int j = 0; j < n; j++) {
        b[j] = (byte) (j * 31 + n + i);
      }
      out.add(b);
    }
    return out;
  }

  /** The bodies as they arrive: each split into boxes of at most 4096 bytes. */
  static List<byte[]> boxes(String spec) {
    List<byte[]> out = new ArrayList<>();
    for (byte[] b : bodies(spec)) {
      for (int off = 0; off < b.length; off += 4096) {
        out.add(Arrays.copyOfRange(b, off, Math.min(b.length, off + 4096)));
      }
    }
    return out;
  }

  private static String hexes(List<byte[]> parts) {
    return parts.stream().map(HEX::formatHex).collect(Collectors.joining(","));
  }

  static byte[] filled(int b) {
    byte[] a = new byte[32];
    Arrays.fill(a, (byte) b);
    return a;
  }

  /** One node shs.js process; stdout lines are collected as they come. */
  private static final class Node {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();

    private Node(Process process) {
      this.process = process;
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String l; (l = r.readLine()) != null; ) {
            lines.add(l);
          }
        } catch (IOException ignored) {
          // the process went away; waitFor reports it
        }
      }, "node-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    static Node start(String... args) {
      List<String> cmd = new ArrayList<>(List.of("node", "shs.js"));
      cmd.addAll(List.of(args));
      try {
        return new Node(new ProcessBuilder(cmd).directory(jsDir.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start());
      } catch (IOException e) {
        throw new IllegalStateException("the interop tests need Node.js 20 (node) on the PATH", e);
      }
    }

    String next() throws InterruptedException {
      String l = lines.poll(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      if (l == null) {
        process.destroyForcibly();
        fail("node printed nothing more after " + all);
      }
      all.add(l);
      return l;
    }

    int port() throws InterruptedException {
      String l = next();
      assertTrue(l.startsWith("LISTENING "), l);
      return Integer.parseInt(l.substring("LISTENING ".length()));
    }

    private int exit() throws InterruptedException {
      if (!process.waitFor(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        fail("node did not exit; printed " + all);
      }
      Thread.sleep(50); // let the reader drain the last lines
      for (String l; (l = lines.poll()) != null; ) {
        all.add(l);
      }
      return process.exitValue();
    }

    void assertSucceeded(byte[] expectedRemote) throws InterruptedException {
      int code = exit();
      assertEquals(0, code, "node output: " + all);
      assertTrue(all.contains("REMOTE " + HEX.formatHex(expectedRemote)), all.toString());
      assertTrue(all.contains("RECV " + hexes(boxes(JAVA_SENDS))), "reference received something else: " + all);
      assertTrue(all.contains("DONE"), all.toString());
    }

    void assertFailed(String expected) throws InterruptedException {
      int code = exit();
      assertNotEquals(0, code, "node output: " + all);
      String error = all.stream().filter(l -> l.startsWith("ERROR ")).findFirst().orElse(null);
      assertTrue(error != null && error.contains(expected), "expected ERROR with '" + expected + "': " + all);
      assertTrue(all.stream().noneMatch(l -> l.startsWith("REMOTE ")), "reference completed: " + all);
    }
  }
}
