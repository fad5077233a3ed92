package org.kith.node.reach;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.kith.node.base.KithException;
import org.kith.node.identity.Identity;
import org.kith.node.net.Dispatcher;
import org.kith.node.net.PeerConnection;
import org.kith.node.net.PeerRpc;
import org.kith.node.net.Transport;
import org.kith.node.peers.HostPort;
import org.kith.node.peers.Peer;
import org.kith.node.peers.PeerBook;
import org.kith.node.peers.PeerService;
import org.kith.node.vault.VaultSchema;
import org.kith.node.vault.Vaults;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.frame.Messages;
import org.kith.protocol.identity.InvalidIdException;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.AddressRecord;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.SignedAddressRecord;
import org.kith.protocol.record.AddressRecords;
import org.kith.protocol.record.RecordException;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Address records, both sides (spec/PROTOCOL.md 12.3). This node keeps one signed, sequence-numbered record of
 * where it can be reached, from the addresses the composition root supplies; it sends it to a paired peer when a
 * connection opens (and once in reply to the peer's, which covers a connection that paired after it opened), and
 * to every connected paired peer when {@link #changed()} finds the set different. The last record is kept in the
 * vault ({@link VaultSchema#ADDRESSES_KEY}) so a restart never signs a seq twice.
 *
 * <p>A peer's record replaces the addresses stored for it only if it comes from a paired key over that key's own
 * connection, verifies, and has a higher seq than the one held; then the peer is kept connected at the new
 * addresses. Anything else is answered with an {@code ERROR} that says what was wrong, and nothing changes.
 * Vault work and signatures run on the worker, never on the event loop.
 */
public final class AddressExchange implements Dispatcher.Connections {
  private static final Logger LOG = LoggerFactory.getLogger(AddressExchange.class);
  /** What this node's record carries at most (the protocol's limit). */
  public static final int MAX_ADDRESSES = AddressRecords.MAX_ADDRESSES;

  private final Vault vault;
  private final Identity identity;
  private final PeerBook book;
  private final PeerService peers;
  private final PeerRpc rpc;
  private final Clock clock;
  private final Executor worker;
  private final Supplier<List<String>> own;
  /** Connections our current record went out on; a new record goes out on all again. */
  /** The seq of the record last sent on each open connection: every connection gets each record once. */
  private final java.util.Map<PeerConnection, Long> sentOn = new ConcurrentHashMap<>();
  private final java.util.Map<PublicId, Arrived> waiting = new ConcurrentHashMap<>();
  private final AtomicLong stored = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  /** Guarded by this. */
  private SignedAddressRecord current;
  private boolean loaded;

  /** {@code own} lists this node's addresses, most direct first, in the record's forms. */
  public AddressExchange(Vault vault, Identity identity, PeerBook book, PeerService peers, PeerRpc rpc, Clock clock,
      Executor worker, Supplier<List<String>> own) {
    this.vault = vault;
    this.identity = identity;
    this.book = book;
    this.peers = peers;
    this.rpc = rpc;
    this.clock = clock;
    this.worker = worker;
    this.own = own;
  }

  public void register(Dispatcher d) {
    // Any key reaches the handler, which answers one that is not paired: a stranger's connection is closed by
    // the transport before that (spec 9.1).
    d.onMessage(FrameType.ADDRESSES, Dispatcher.Audience.ANYONE, this::onAddresses);
    d.onConnection(this);
  }

  /** Records from peers stored since the node started (tests await it). */
  public long stored() {
    return stored.get();
  }

  /** Records from peers refused since the node started, each answered with an ERROR. */
  public long refused() {
    return refused.get();
  }

  /** This node's current record, signing one first if there is none or the addresses changed. */
  public synchronized Optional<SignedAddressRecord> current() throws KithException {
    refresh();
    return Optional.ofNullable(current);
  }

  /** The seq of this node's current record, 0 before it has one. */
  public synchronized long seq() {
    return current == null ? 0 : parse(current).getSeq();
  }

  /**
   * This node's addresses may have changed (it listens, joined or left a room, an address was verified or
   * lost): signs a new record if they did and sends it to every connected paired peer. Returns at once.
   */
  public void changed() {
    execute(() -> {
      try {
        // Whether or not this call signed it: a send on one new connection may have signed the record already.
        refresh();
        for (PeerConnection c : rpc.connections()) {
          sendTo(c);
        }
      } catch (KithException e) {
        LOG.warn("could not sign a new address record ({})", e.getClass().getSimpleName());
      }
    });
  }

  /** A connection became a paired peer's after it opened (pairing): sends our record on it. */
  public void paired(PublicId peer) {
    execute(() -> rpc.connection(peer).ifPresent(this::sendTo));
  }

  @Override
  public void onConnected(PeerConnection c) {
    // The peer's capabilities come with its HELLO, which follows the handshake.
    c.whenHello().thenRun(() -> {
      if (book.isPaired(c.remote()) && c.speaks(Transport.CAPABILITY_ADDRESSES)) {
        execute(() -> sendTo(c));
      }
    });
  }

  @Override
  public void onClosed(PeerConnection c) {
    sentOn.remove(c);
  }

  /** On the worker: sends our record on {@code c} unless it went out there already. Never to an unpaired key. */
  private void sendTo(PeerConnection c) {
    if (!c.isOpen() || !book.isPaired(c.remote()) || !c.speaks(Transport.CAPABILITY_ADDRESSES)) {
      return;
    }
    SignedAddressRecord r;
    try {
      r = current().orElse(null);
    } catch (KithException e) {
      LOG.warn("no address record to send ({})", e.getClass().getSimpleName());
      return;
    }
    if (r == null) {
      return;
    }
    long seq = parse(r).getSeq();
    Long before = sentOn.put(c, seq);
    if (before == null || before != seq) {
      c.send(FrameType.ADDRESSES, r);
    }
  }

  /** Signs a new record if the addresses differ from the current one's; true if it did. */
  private synchronized boolean refresh() throws KithException {
    if (!loaded) {
      current = load();
      loaded = true;
    }
    List<String> now = ownAddresses();
    if (now.isEmpty()) {
      return false; // a node that listens nowhere and is in no room has nothing to tell
    }
    AddressRecord previous = current == null ? null : parse(current);
    if (previous != null && previous.getAddressesList().equals(now)) {
      return false;
    }
    // Never below the clock: a vault restored from an older backup still moves forward.
    long seq = Math.max(previous == null ? 1 : previous.getSeq() + 1, clock.millis());
    SignedAddressRecord next = identity.signAddresses(AddressRecord.newBuilder()
        .setAuthor(com.google.protobuf.ByteString.copyFrom(identity.id().key())).setSeq(seq)
        .setIssuedAtMs(clock.millis()).addAllAddresses(now).build());
    try {
      vault.put(Store.META, VaultSchema.ADDRESSES_KEY, next.toByteArray());
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    current = next;
    LOG.debug("address record {} signed with {} addresses", seq, now.size());
    return true;
  }

  private SignedAddressRecord load() throws KithException {
    try {
      byte[] v = vault.get(Store.META, VaultSchema.ADDRESSES_KEY);
      if (v == null) {
        return null;
      }
      SignedAddressRecord r = SignedAddressRecord.parseFrom(v);
      AddressRecords.verify(r);
      return r;
    } catch (VaultException e) {
      throw Vaults.translate(e);
    } catch (com.google.protobuf.InvalidProtocolBufferException | RecordException e) {
      throw new KithException(KithException.BAD_INPUT, "the vault's address record does not verify: " + e.getMessage()
          + " (restore the vault from a backup)");
    }
  }

  private static AddressRecord parse(SignedAddressRecord r) {
    try {
      return AddressRecord.parseFrom(r.getBody());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("our own address record does not parse", e);
    }
  }

  /** The supplied addresses that fit a record: known kinds, at most 100 bytes, no repeats, at most 8. */
  private List<String> ownAddresses() {
    List<String> out = new ArrayList<>();
    for (String a : own.get()) {
      if (out.size() == MAX_ADDRESSES) {
        break;
      }
      if (known(a) && a.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= AddressRecords.MAX_ADDRESS_BYTES
          && !out.contains(a)) {
        out.add(a);
      }
    }
    return out;
  }

  /** {@code tcp:HOST:PORT} or {@code room:ROOM_ID@HOST:PORT}, well formed. */
  static boolean known(String a) {
    if (a.startsWith(HostPort.TCP)) {
      return HostPort.tryParse(a.substring(HostPort.TCP.length())).isPresent();
    }
    if (a.startsWith(Rooms.SCHEME)) {
      int at = a.indexOf('@');
      if (at < 0) {
        return false;
      }
      try {
        PublicId.parse(a.substring(Rooms.SCHEME.length(), at));
      } catch (InvalidIdException e) {
        return false;
      }
      return HostPort.tryParse(a.substring(at + 1)).isPresent();
    }
    return false;
  }

  // ---- a peer's record

  /** A frame waiting for the worker, and the connection it came on. */
  private record Arrived(PeerConnection from, Frame frame) {}

  /**
   * On the event loop. At most one frame per peer waits for the worker; a newer one takes its place, so a peer
   * sending records as fast as it can costs one worker task at a time and never fills the worker's queue.
   */
  private void onAddresses(PeerConnection from, Frame frame) {
    if (waiting.put(from.remote(), new Arrived(from, frame)) == null && !execute(() -> {
      Arrived a = waiting.remove(from.remote());
      if (a != null) {
        receive(a.from(), a.frame());
      }
    })) {
      waiting.remove(from.remote()); // nothing queued will take it; the next frame tries again
    }
  }

  private void receive(PeerConnection from, Frame frame) {
    PublicId who = from.remote();
    if (!book.isPaired(who)) {
      refuse(from, ErrorCode.NOT_PAIRED, "not paired: this node takes address records from paired peers only");
      return;
    }
    AddressRecords.Verified v;
    try {
      SignedAddressRecord signed = Messages.addresses(frame);
      v = AddressRecords.verify(signed);
    } catch (FrameException e) {
      refuse(from, e.code().wireCode(), "ADDRESSES does not parse: " + e.getMessage());
      return;
    } catch (RecordException e) {
      refuse(from, e.reason() == RecordException.Reason.TOO_LARGE ? ErrorCode.TOO_LARGE : ErrorCode.BAD_RECORD,
          "address record refused: " + e.getMessage());
      return;
    }
    if (!Arrays.equals(v.author(), who.key())) {
      refuse(from, ErrorCode.BAD_RECORD, "address record signed by another key than this connection's: send your own");
      return;
    }
    List<String> addresses = v.addresses().stream().filter(AddressExchange::known).distinct().toList();
    // Decided and written under the peer book's lock: a block or unpair meanwhile wins, never a stale copy.
    String[] refusal = new String[2];
    Optional<Peer> updated;
    try {
      updated = book.update(who, p -> {
        if (!p.paired()) {
          refusal[0] = ErrorCode.NOT_PAIRED.name();
          refusal[1] = "not paired: this node takes address records from paired peers only";
          return null;
        }
        int order = Long.compareUnsigned(v.seq(), p.addressSeq());
        if (order < 0 || (order == 0 && !addresses.equals(p.addresses()))) {
          refusal[0] = ErrorCode.BAD_RECORD.name();
          refusal[1] = "address record seq " + Long.toUnsignedString(v.seq()) + " is not newer than the one held ("
              + p.addressSeq() + "): sign a new one with a higher seq";
          return null;
        }
        return order == 0 ? null : p.withAddressRecord(addresses, v.seq());
      });
    } catch (KithException e) {
      LOG.warn("could not store a peer's address record ({})", e.getClass().getSimpleName());
      from.sendError(ErrorCode.INTERNAL, "internal error; nothing was stored");
      return;
    }
    if (refusal[0] != null) {
      refuse(from, ErrorCode.valueOf(refusal[0]), refusal[1]);
      return;
    }
    if (updated.isPresent()) {
      stored.incrementAndGet();
      LOG.debug("{} is at {} addresses now (record {})", who.shortText(), addresses.size(), v.seq());
      try {
        // Under the book's lock (its methods synchronize on it): an unpair or block changes the book before it
        // stops the dialling, so it either comes first and is seen here, or comes after and stops this too.
        synchronized (book) {
          if (book.isPaired(who)) {
            peers.maintain(updated.get());
          }
        }
      } catch (RuntimeException e) {
        LOG.debug("not keeping {} connected: {}", who.shortText(), e.getClass().getSimpleName());
        return;
      }
    }
    sendTo(from);
  }

  private void refuse(PeerConnection from, ErrorCode code, String message) {
    refused.incrementAndGet();
    LOG.debug("refused an address record from {}: {}", from.remote().shortText(), code);
    from.sendError(code, message + "; nothing was stored");
  }

  /** False when the worker refused the task (closing, or its queue is full). */
  private boolean execute(Runnable r) {
    try {
      worker.execute(r);
      return true;
    } catch (RejectedExecutionException e) {
      LOG.debug("closing or busy: dropped an address record task");
      return false;
    }
  }
}
