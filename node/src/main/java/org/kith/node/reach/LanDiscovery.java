package org.kith.node.reach;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.kith.protocol.identity.PublicId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds paired peers on the local network: every {@link #INTERVAL} (and at start) sends this node's {@link Beacon}
 * to the LAN's broadcast addresses, and reads the beacons of others. A beacon whose tag is that of a paired peer
 * tells the {@link Listener} where that peer listens (the sender's IP, the beacon's port); anything else is
 * dropped without a word. Matching is one hash-map lookup per datagram: the expected tags of every paired peer for
 * the current window and its neighbours are computed once per window or change of peers, so a flood of datagrams
 * costs no hashing.
 */
public final class LanDiscovery implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LanDiscovery.class);
  public static final Duration INTERVAL = Duration.ofSeconds(30);
  /** The listener hears of one peer at most this often. */
  public static final Duration PER_PEER = Duration.ofSeconds(10);

  /** Hears that a paired peer listens at an address on the LAN. */
  @FunctionalInterface
  public interface Listener {
    void seen(PublicId peer, InetSocketAddress listensAt);
  }

  private final LanConfig config;
  private final PublicId self;
  private final int listenPort;
  private final Supplier<Collection<PublicId>> paired;
  private final Listener listener;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Map<PublicId, Long> lastTold = new ConcurrentHashMap<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private volatile Tags tags = new Tags(Long.MIN_VALUE, List.of(), Map.of());
  private DatagramChannel channel;
  private Thread reader;
  private ScheduledFuture<?> ticker;

  private record Tags(long window, List<PublicId> peers, Map<ByteBuffer, PublicId> byTag) {}

  public LanDiscovery(LanConfig config, PublicId self, int listenPort, Supplier<Collection<PublicId>> paired,
      Listener listener, Clock clock, ScheduledExecutorService scheduler) {
    this.config = config;
    this.self = self;
    this.listenPort = listenPort;
    this.paired = paired;
    this.listener = listener;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  /** Binds the discovery port (shared with other nodes on this machine) and starts beaconing and listening. */
  public synchronized InetSocketAddress start() throws IOException {
    DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
    try {
      ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      ch.setOption(StandardSocketOptions.SO_BROADCAST, true);
      // bindHost is an IP literal (LanConfig), so this looks nothing up.
      ch.bind(new InetSocketAddress(InetAddress.getByName(config.bindHost()), config.port()));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    channel = ch;
    reader = new Thread(this::readLoop, "kith-lan");
    reader.setDaemon(true);
    reader.start();
    ticker = scheduler.scheduleWithFixedDelay(this::beaconNow, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    return (InetSocketAddress) ch.getLocalAddress();
  }

  /** Beacons sent so far (one per target per round), for tests and status. */
  public long sent() {
    return sent.get();
  }

  /** Datagrams dropped: not a beacon, our own, or no paired peer's. */
  public long dropped() {
    return dropped.get();
  }

  /** Sends one round of beacons now. */
  public void beaconNow() {
    DatagramChannel ch = channel;
    if (ch == null || !ch.isOpen()) {
      return;
    }
    byte[] b = Beacon.of(self, listenPort, clock.instant()).encode();
    for (InetSocketAddress t : targets()) {
      try {
        ch.send(ByteBuffer.wrap(b), t);
        sent.incrementAndGet();
      } catch (IOException e) {
        LOG.debug("could not send a LAN beacon ({})", e.getClass().getSimpleName());
      }
    }
  }

  List<InetSocketAddress> targets() {
    if (!config.targets().isEmpty()) {
      return config.targets();
    }
    List<InetSocketAddress> out = new ArrayList<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!ni.isUp() || ni.isLoopback() || ni.isPointToPoint()) {
          continue;
        }
        for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
          InetAddress bc = ia.getBroadcast();
          if (ia.getAddress() instanceof Inet4Address && bc != null) {
            out.add(new InetSocketAddress(bc, config.port()));
          }
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot list network interfaces ({})", e.getClass().getSimpleName());
    }
    return out;
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(Beacon.SIZE + 1);
    while (true) {
      SocketAddress from;
      try {
        buf.clear();
        from = channel.receive(buf);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        LOG.debug("LAN discovery read failed ({})", e.getClass().getSimpleName());
        continue;
      }
      buf.flip();
      try {
        onDatagram(buf.array(), buf.remaining(), (InetSocketAddress) from);
      } catch (RuntimeException e) {
        LOG.warn("LAN discovery dropped a datagram ({})", e.getClass().getSimpleName());
      }
    }
  }

  /** Handles one datagram from {@code from}: tells the listener if it is a paired peer's current beacon. */
  void onDatagram(byte[] data, int len, InetSocketAddress from) {
    Beacon b;
    try {
      b = Beacon.decode(data, len);
    } catch (Beacon.MalformedBeacon e) {
      dropped.incrementAndGet();
      return;
    }
    PublicId who = tagsNow().byTag().get(ByteBuffer.wrap(b.tag()));
    if (who == null || who.equals(self)) {
      dropped.incrementAndGet();
      return;
    }
    long now = clock.millis();
    Long last = lastTold.get(who);
    if (last != null && now - last < PER_PEER.toMillis()) {
      return;
    }
    lastTold.put(who, now);
    listener.seen(who, new InetSocketAddress(from.getAddress(), b.port()));
  }

  private Tags tagsNow() {
    long w = Beacon.windowOf(clock.instant());
    List<PublicId> peers = List.copyOf(paired.get());
    Tags t = tags;
    if (t.window() == w && t.peers().equals(peers)) {
      return t;
    }
    Map<ByteBuffer, PublicId> m = new HashMap<>();
    for (PublicId p : peers) {
      for (long x = w - 1; x <= w + 1; x++) {
        m.put(ByteBuffer.wrap(Beacon.tag(p, x)), p);
      }
    }
    m.put(ByteBuffer.wrap(Beacon.tag(self, w)), self);
    t = new Tags(w, peers, Map.copyOf(m));
    tags = t;
    return t;
  }

  @Override
  public synchronized void close() {
    if (ticker != null) {
      ticker.cancel(false);
    }
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.debug("closing LAN discovery ({})", e.getClass().getSimpleName());
      }
    }
  }
}
