package org.kith.node;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.node.pairing.InviteBook;
import org.kith.node.pairing.Peer;
import org.kith.node.pairing.PeerBook;
import org.kith.protocol.identity.InvalidIdException;
import org.kith.protocol.identity.InviteCode;
import org.kith.protocol.identity.PublicId;

/**
 * Everything one open node offers, whether a command opened the vault for itself or {@code kith start} holds
 * it: notes and search ({@link PersonalNode}), peers and circles, invites and pairing. The network is
 * optional: without one, pairing makes a short-lived connection of its own.
 */
public final class NodeServices implements AutoCloseable {
  /** Makes a network for a command that has none (a one-off pairing); null when networking is unavailable. */
  public interface NetworkFactory {
    PeerNetwork create(NodeServices services) throws KithException;
  }

  private final PersonalNode node;
  private final PeerBook peers;
  private final InviteBook invites;
  private final Clock clock;
  private final boolean running;
  private final org.kith.node.share.SharedRecords records;
  private final org.kith.node.query.QueryService queries;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile PeerNetwork network;
  private volatile NetworkFactory transientNetworks;

  public NodeServices(PersonalNode node, Clock clock, boolean running) throws KithException {
    this.node = node;
    this.clock = clock;
    this.running = running;
    this.peers = new PeerBook(node.vault());
    this.invites = new InviteBook(node.vault(), clock);
    this.records = new org.kith.node.share.SharedRecords(node, clock);
    this.queries = new org.kith.node.query.QueryService(this);
  }

  /** What this node shares and what its peers shared with it. */
  public org.kith.node.share.SharedRecords records() {
    return records;
  }

  public org.kith.node.query.QueryService queries() {
    return queries;
  }

  public PersonalNode node() {
    return node;
  }

  public PeerBook peers() {
    return peers;
  }

  public InviteBook invites() {
    return invites;
  }

  public Clock clock() {
    return clock;
  }

  /** True inside {@code kith start}; false when a command opened the vault for itself. */
  public boolean running() {
    return running;
  }

  public PeerNetwork network() {
    return network;
  }

  public void attach(PeerNetwork net) {
    this.network = net;
    records.onOwnRecord(net::announce);
  }

  public void transientNetworks(NetworkFactory f) {
    this.transientNetworks = f;
  }

  public boolean connected(PublicId id) {
    PeerNetwork n = network;
    return n != null && n.isConnected(id);
  }

  // ---- invites and pairing

  public InviteCode invite(String circle, Duration expiry, int uses) throws KithException {
    List<String> addrs = network != null ? network.advertisedAddresses() : ListenConfig.load(node).advertised();
    return invites.create(node.id(), addrs, circle == null ? Peer.DEFAULT_CIRCLE : circle, expiry, uses);
  }

  public Peer pair(String codeText, String petname, Duration timeout) throws KithException {
    InviteCode code;
    try {
      code = InviteCode.parse(codeText);
    } catch (InvalidIdException e) {
      throw KithException.badInput(e.getMessage());
    }
    if (code.inviter().equals(node.id())) {
      throw KithException.badInput("this invite is your own: give it to the person you want to pair with");
    }
    if (clock.instant().getEpochSecond() >= code.expiresAtSeconds()) {
      throw KithException.badInput("this invite expired at " + java.time.Instant.ofEpochSecond(code.expiresAtSeconds())
          + "; ask for a new one (nothing was changed)");
    }
    if (peers.isBlocked(code.inviter())) {
      throw KithException.badInput("you blocked this key; nothing was changed");
    }
    if (petname != null) {
      petname = org.kith.node.pairing.PeerBook.checkName("petname", petname);
    }
    PeerNetwork net = network;
    boolean own = false;
    if (net == null) {
      if (transientNetworks == null) {
        throw new KithException(KithException.UNREACHABLE, "networking is not available in this command");
      }
      net = transientNetworks.create(this);
      own = true;
    }
    try {
      PeerNetwork.PairResult r = net.pair(code, node.name(), timeout);
      String name = petname != null ? petname
          : r.inviterName() == null || r.inviterName().isBlank() ? "peer-" + code.inviter().text().substring(5, 11)
          : r.inviterName().strip();
      if (name.length() > Peer.MAX_NAME_CHARS) {
        name = name.substring(0, Peer.MAX_NAME_CHARS);
      }
      long now = clock.millis();
      Peer existing = peers.get(code.inviter()).orElse(null);
      Peer p = new Peer(code.inviter(), name, existing != null ? existing.circle() : Peer.DEFAULT_CIRCLE,
          r.address() != null ? List.of(r.address()) : code.addresses(),
          existing != null ? existing.pairedAtMillis() : now, now, false, false);
      peers.put(p);
      if (!own) {
        net.maintain(p);
      }
      return p;
    } finally {
      if (own) {
        net.close();
      }
    }
  }

  // ---- peers

  public Peer rename(String ref, String name) throws KithException {
    Peer p = peers.find(ref).withPetname(PeerBook.checkName("petname", name));
    peers.put(p);
    return p;
  }

  public Peer moveToCircle(String ref, String circle) throws KithException {
    Peer p = peers.find(ref).withCircle(PeerBook.checkName("circle", circle));
    peers.put(p);
    return p;
  }

  /** Forgets a peer; tells it now if connected, else at its next connection. Returns whether it was told. */
  public boolean unpair(String ref) throws KithException {
    Peer p = peers.find(ref);
    PeerNetwork net = network;
    boolean told = net != null && net.tellUnpaired(p.id());
    if (net != null) {
      net.forget(p.id());
    }
    if (told) {
      peers.remove(p.id());
    } else {
      peers.put(p.asUnpairPending());
    }
    records.forgetFrom(p.id());
    return told;
  }

  /** Blocks a paired peer, or any key given by its full id (someone pestering you with pair requests). */
  public Peer block(String ref) throws KithException {
    Peer found;
    try {
      found = peers.find(ref);
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
    peers.put(p);
    records.forgetFrom(p.id());
    PeerNetwork net = network;
    if (net != null) {
      net.forget(p.id());
    }
    return p;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      PeerNetwork n = network;
      if (n != null) {
        n.close();
      }
      node.close();
    }
  }
}
