package org.kith.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.kith.node.net.TransportConfig;
import org.kith.node.pairing.Peer;

/**
 * Several nodes in one JVM, each with its own home, real vault and real transport on loopback TCP (Ratis
 * MiniRaftCluster style). Nodes can be stopped and started again on the same port.
 */
public final class MiniCluster implements AutoCloseable {
  public static final char[] PASS = "mini cluster passphrase".toCharArray();

  /** One member: its home, clock, and (while running) its services and network. */
  public final class Member {
    public final String name;
    public final Home home;
    public final MutableClock clock = MutableClock.now();
    public NodeServices services;
    public NodeNetwork network;
    int port;
    org.kith.protocol.identity.PublicId id;

    Member(String name, Home home) {
      this.name = name;
      this.home = home;
    }

    public void start() throws KithException {
      PersonalNode node = PersonalNode.open(home, PASS, embedders, clock);
      services = new NodeServices(node, clock, true);
      id = node.id();
      network = new NodeNetwork(services, config);
      port = network.listen(new ListenConfig("127.0.0.1", port)).getPort();
      services.attach(network);
      network.maintainAll();
    }

    public void stop() {
      if (services != null) {
        services.close();
        services = null;
        network = null;
      }
    }

    public org.kith.protocol.identity.PublicId id() {
      return id;
    }

    public Peer peer(Member other) throws KithException {
      return services.peers().get(other.id()).orElse(null);
    }

    public boolean connectedTo(Member other) throws KithException {
      return services.connected(other.id());
    }

    public int port() {
      return port;
    }
  }

  private final Path root;
  private final PersonalNode.EmbedderSource embedders;
  private final TransportConfig config;
  private final List<Member> members = new ArrayList<>();

  public MiniCluster(PersonalNode.EmbedderSource embedders, TransportConfig config) throws IOException {
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
    PersonalNode.init(home, PASS, name, embedders, m.clock).close();
    m.start();
    members.add(m);
    return m;
  }

  /** Pairs {@code invitee} with {@code inviter} through a real invite, in {@code circle} on the inviter's side. */
  public Peer pair(Member inviter, Member invitee, String circle) throws KithException {
    String code = inviter.services.invite(circle, Duration.ofHours(1), 1).text();
    return invitee.services.pair(code, null, Duration.ofSeconds(10));
  }

  public static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
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

  @Override
  public void close() {
    for (int i = members.size() - 1; i >= 0; i--) {
      members.get(i).stop();
    }
    TestModel.deleteTree(root);
  }
}
