package org.kith.node.peers;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.kith.node.base.KithException;
import org.kith.node.net.Dispatcher;
import org.kith.node.net.PeerConnection;
import org.kith.node.net.PeerRpc;
import org.kith.node.records.RecordStore;
import org.kith.protocol.identity.InvalidIdException;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Unpair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Your peers as you manage them: petnames, circles, unpairing (telling the peer now or at its next
 * connection) and blocking; keeping connections to paired peers up; and the UNPAIR notice from a peer.
 */
public final class PeerService implements Dispatcher.Relations, Dispatcher.Connections {
  private static final Logger LOG = LoggerFactory.getLogger(PeerService.class);

  /** How room addresses begin (spec/PROTOCOL.md 12.2.7); the rooms themselves are org.kith.node.reach's. */
  public static final String ROOM_SCHEME = "room:";

  private final PeerBook book;
  private final RecordStore records;
  private final PeerRpc rpc;
  private final Clock clock;
  private final Executor worker;
  private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.Map<PublicId, InetSocketAddress> lan = new java.util.concurrent.ConcurrentHashMap<>();

  public PeerService(PeerBook book, RecordStore records, PeerRpc rpc, Clock clock, Executor worker) {
    this.book = book;
    this.records = records;
    this.rpc = rpc;
    this.clock = clock;
    this.worker = worker;
  }

  /** Registers the UNPAIR notice and the connection listener. */
  public void register(Dispatcher d) {
    d.onMessage(FrameType.UNPAIR, Dispatcher.Audience.KNOWN, (from, frame) -> onUnpaired(from.remote()));
    d.onConnection(this);
  }

  public PeerBook book() {
    return book;
  }

  public boolean connected(PublicId id) {
    return rpc.isConnected(id);
  }

  /** Paired peers with an open connection now. */
  public List<PublicId> connectedPeers() {
    List<PublicId> out = new ArrayList<>();
    for (PeerConnection c : rpc.connections()) {
      if (c.isOpen() && book.isPaired(c.remote()) && !out.contains(c.remote())) {
        out.add(c.remote());
      }
    }
    return out;
  }

  // ---- Relations (event loop: memory only)

  @Override
  public boolean blocked(PublicId key) {
    boolean b = book.isBlocked(key);
    if (b) {
      refused.incrementAndGet();
    }
    return b;
  }

  /** Handshakes refused to a blocked key since this node started (tests await it rather than sleep). */
  public long handshakesRefused() {
    return refused.get();
  }

  @Override
  public boolean known(PublicId key) {
    return book.get(key).isPresent();
  }

  @Override
  public boolean paired(PublicId key) {
    return book.isPaired(key);
  }

  // ---- managing peers

  public Peer rename(String ref, String name) throws KithException {
    Peer p = book.find(ref).withPetname(PeerBook.checkName("petname", name));
    book.put(p);
    return p;
  }

  public Peer moveToCircle(String ref, String circle) throws KithException {
    Peer p = book.find(ref).withCircle(PeerBook.checkName("circle", circle));
    book.put(p);
    return p;
  }

  /** Forgets a peer; tells it now if connected, else at its next connection. Returns whether it was told. */
  public boolean unpair(String ref) throws KithException {
    Peer p = book.find(ref);
    boolean told = tellUnpaired(p.id());
    // The book first: whoever then checks it before keeping the peer connected (an address record arriving)
    // sees the unpair.
    if (told) {
      book.remove(p.id());
    } else {
      book.put(p.asUnpairPending());
    }
    rpc.forget(p.id());
    records.forgetFrom(p.id());
    return told;
  }

  /** Blocks a paired peer, or any key given by its full id (someone pestering you with pair requests). */
  public Peer block(String ref) throws KithException {
    Peer found;
    try {
      found = book.find(ref);
    } catch (KithException notAPeer) {
      PublicId id;
      try {
        id = PublicId.parse(ref);
      } catch (InvalidIdException e) {
        throw notAPeer;
      }
      found = new Peer(id, "blocked-" + id.text().substring(5, 11), Peer.DEFAULT_CIRCLE, List.of(), clock.millis(), 0,
          true, false);
    }
    Peer p = found.asBlocked();
    book.put(p);
    records.forgetFrom(p.id());
    forget(p.id());
    return p;
  }

  /** Tells a peer it was unpaired, if it is connected now; false if it is not. */
  boolean tellUnpaired(PublicId peer) {
    return rpc.connection(peer).filter(PeerConnection::isOpen).map(c -> {
      // Close only once the notice is written, so it is not lost with the connection.
      c.send(FrameType.UNPAIR, Unpair.getDefaultInstance()).whenComplete((ok, err) -> c.close());
      return true;
    }).orElse(false);
  }

  /** Stops reconnecting and drops the current connection: a blocked or unpaired key keeps nothing open. */
  public void forget(PublicId peer) {
    lan.remove(peer);
    rpc.forget(peer);
    rpc.connection(peer).ifPresent(c -> {
      if (!book.get(peer).map(Peer::unpairPending).orElse(false)) {
        c.close();
      }
    });
  }

  /**
   * A paired peer's beacon was heard on the LAN (reach/LanDiscovery): remember where it listens there (in memory
   * only) and, if it is not connected, dial that address first. Anyone else's beacon changes nothing.
   */
  public void lanSeen(PublicId peer, InetSocketAddress listensAt) {
    Peer p = book.get(peer).filter(Peer::paired).orElse(null);
    if (p == null) {
      return;
    }
    lan.put(peer, listensAt);
    if (!rpc.isConnected(peer)) {
      maintain(p);
    }
  }

  /** Where this peer's beacon last said it listens on the LAN, if it was heard since the node started. */
  public java.util.Optional<InetSocketAddress> lanAddress(PublicId peer) {
    return java.util.Optional.ofNullable(lan.get(peer));
  }

  /**
   * Keeps a connection up to this peer: a race over its TCP addresses, the one on the LAN first if its beacon was
   * heard, and the transport's tunnels (rooms) after them. A peer with neither a TCP address nor a room address
   * is left alone (the rooms' own ticker still tries it).
   */
  public void maintain(Peer peer) {
    List<InetSocketAddress> addrs = new ArrayList<>();
    InetSocketAddress onLan = lan.get(peer.id());
    if (onLan != null) {
      addrs.add(onLan);
    }
    boolean viaRoom = false;
    for (String a : peer.addresses()) {
      java.util.Optional<HostPort> hp = HostPort.tryParseTcp(a);
      if (hp.isPresent()) {
        InetSocketAddress sa = hp.get().toSocketAddress();
        if (!addrs.contains(sa)) {
          addrs.add(sa);
        }
      } else if (a.startsWith(ROOM_SCHEME)) {
        viaRoom = true;
      } else {
        LOG.debug("skipping an unusable peer address");
      }
    }
    if (!addrs.isEmpty() || viaRoom) {
      try {
        rpc.maintain(peer.id(), addrs);
      } catch (IllegalArgumentException noTunnels) {
        LOG.debug("no way to reach {} without a TCP address", peer.id().shortText());
      }
    }
  }

  /** Keeps a connection up to every paired peer (and every peer still to be told of an unpair) with an address. */
  public void maintainAll() {
    for (Peer p : book.all()) {
      if ((p.paired() || p.unpairPending()) && (!p.addresses().isEmpty() || lan.containsKey(p.id()))) {
        maintain(p);
      }
    }
  }

  // ---- the network's side

  private void onUnpaired(PublicId who) {
    execute(() -> {
      if (book.get(who).isPresent()) {
        try {
          book.remove(who);
          records.forgetFrom(who);
        } catch (KithException e) {
          LOG.warn("could not forget an unpaired peer ({})", e.getClass().getSimpleName());
        }
      }
      rpc.forget(who);
    });
  }

  @Override
  public void onConnected(PeerConnection c) {
    PublicId who = c.remote();
    book.seen(who, clock.millis());
    book.get(who).filter(Peer::unpairPending).ifPresent(p -> {
      c.send(FrameType.UNPAIR, Unpair.getDefaultInstance());
      execute(() -> {
        try {
          book.remove(who);
        } catch (KithException e) {
          LOG.warn("could not forget an unpaired peer ({})", e.getClass().getSimpleName());
        }
        rpc.forget(who);
      });
    });
  }

  @Override
  public void onClosed(PeerConnection c) {
    book.seen(c.remote(), clock.millis());
  }

  private void execute(Runnable r) {
    try {
      worker.execute(r);
    } catch (RejectedExecutionException e) {
      LOG.debug("closing: dropped an unpair task");
    }
  }
}
