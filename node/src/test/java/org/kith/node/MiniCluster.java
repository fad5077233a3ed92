package org.kith.node;

import org.kith.node.peers.ListenConfig;
import org.kith.node.app.KithNode;
import org.kith.node.model.EmbedderSource;
import org.kith.node.base.KithException;
import org.kith.node.base.Home;
import java.io.IOException;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.kith.node.model.FakeEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.kith.node.net.TransportConfig;
import org.kith.node.peers.Peer;
import org.kith.storage.KdfProfile;

/**
 * Several nodes in one JVM, each with its own home, real vault and real transport on loopback TCP (Ratis
 * MiniRaftCluster style). Nodes can be stopped and started again on the same port. A JUnit extension:
 * {@code @RegisterExtension final MiniCluster cluster = MiniCluster.withFakeModel();} closes every node and
 * removes every home after each test.
 */
public final class MiniCluster implements AutoCloseable, AfterEachCallback {
  public static final char[] PASS = "mini cluster passphrase".toCharArray();

  /** One member: its home, clock, and (while running) its node. */
  public final class Member {
    public final String name;
    public final Home home;
    public final MutableClock clock = MutableClock.now();
    public KithNode node;
    int port;
    org.kith.protocol.identity.PublicId id;

    Member(String name, Home home) {
      this.name = name;
      this.home = home;
    }

    KithNode.Options options() {
      return KithNode.Options.of(embedders).withClock(clock).withTransport(config)
          .withKdf(KdfProfile.TESTING_ONLY_INSECURE);
    }

    public void start() throws KithException {
      node = KithNode.open(home, PASS, options());
      id = node.id();
      port = node.start(new ListenConfig("127.0.0.1", port)).getPort();
    }

    /** Starts again on a port the system picks, as a node that moved or whose port was taken. */
    public void startOnNewPort() throws KithException {
      int old = port;
      port = 0;
      start();
      if (port == old) {
        stop();
        start();
      }
    }

    public void stop() {
      if (node != null) {
        node.close();
        node = null;
      }
    }

    public org.kith.protocol.identity.PublicId id() {
      return id;
    }

    public Peer peer(Member other) {
      return node.peerBook().get(other.id()).orElse(null);
    }

    public boolean connectedTo(Member other) {
      return node.peers().connected(other.id());
    }

    public int port() {
      return port;
    }
  }

  private final Path root;
  private final EmbedderSource embedders;
  private final TransportConfig config;
  private final List<Member> members = new ArrayList<>();

  public MiniCluster(EmbedderSource embedders, TransportConfig config) throws IOException {
    this.root = Files.createTempDirectory("kith-cluster");
    this.embedders = embedders;
    this.config = config;
  }

  public static TransportConfig fastConfig() {
    return TransportConfig.defaults().withReconnect(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  public Member add(String name) throws KithException {
    Home home = new Home(root.resolve(name.toLowerCase(java.util.Locale.ROOT)));
    Member m = new Member(name, home);
    KithNode.init(home, PASS, name, m.options()).close();
    m.start();
    members.add(m);
    return m;
  }

  /** Pairs {@code invitee} with {@code inviter} through a real invite, in {@code circle} on the inviter's side. */
  public Peer pair(Member inviter, Member invitee, String circle) throws KithException {
    String code = inviter.node.pairing().invite(circle, Duration.ofHours(1), 1).text();
    return invitee.node.pairing().pair(code, null, Duration.ofSeconds(10), true);
  }

  /** A safety net for a test that would otherwise hang, not a timing assertion: generous for a busy machine. */
  public static final Duration AWAIT_LIMIT = Duration.ofSeconds(90);

  /** Waits until {@code condition} holds (polling), failing only after {@link #AWAIT_LIMIT}. */
  public static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + AWAIT_LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  /** A cluster whose nodes share the fake embedder and reconnect quickly. */
  public static MiniCluster withFakeModel() {
    try {
      return new MiniCluster(d -> FakeEmbedder.flavour('f'), fastConfig());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  @Override
  public void close() {
    for (int i = members.size() - 1; i >= 0; i--) {
      members.get(i).stop();
    }
    TestModel.deleteTree(root);
  }
}
