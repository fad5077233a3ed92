package org.kith.node.pairing;

import com.google.protobuf.ByteString;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.kith.node.base.KithException;
import org.kith.node.identity.Identity;
import org.kith.node.net.ConnectFailedException;
import org.kith.node.net.ConnectionClosedException;
import org.kith.node.net.Dispatcher;
import org.kith.node.net.ErrorFrameException;
import org.kith.node.net.PeerConnection;
import org.kith.node.net.PeerRpc;
import org.kith.node.net.RateLimiter;
import org.kith.node.net.Response;
import org.kith.node.net.SourceAddress;
import org.kith.node.peers.HostPort;
import org.kith.node.peers.InviteBook;
import org.kith.node.peers.Peer;
import org.kith.node.peers.PeerBook;
import org.kith.node.peers.PeerService;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.handshake.HandshakeException;
import org.kith.protocol.identity.InvalidIdException;
import org.kith.protocol.identity.InviteCode;
import org.kith.protocol.identity.PairingProof;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.PairAccept;
import org.kith.protocol.proto.PairRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journey "pair", both sides (spec/PROTOCOL.md 6.2). The inviter makes a one-time code; the invitee dials
 * the inviter's key at the code's addresses and proves the code's secret in a PAIR_REQUEST; the inviter
 * consumes the invite atomically, stores the invitee in the invite's circle and answers PAIR_ACCEPT.
 */
public final class Pairing {
  private static final Logger LOG = LoggerFactory.getLogger(Pairing.class);
  /** Pair requests per unpaired key per minute. Fresh keys cost nothing, so this stops only the careless. */
  public static final int MAX_PAIR_REQUESTS_PER_KEY_PER_MINUTE = 3;
  /**
   * Pair requests per source address (IPv4 address, IPv6 /64) per minute, whatever the keys: a flood from one
   * place spends that place's budget, not everyone's.
   */
  public static final int MAX_PAIR_REQUESTS_PER_ADDRESS_PER_MINUTE = 10;
  /**
   * Pair requests naming one invite id per minute, right proof or wrong: guesses at an invite spend that
   * invite's budget only. Only someone who saw the code knows its id.
   */
  public static final int MAX_PAIR_REQUESTS_PER_INVITE_PER_MINUTE = 10;
  /**
   * Pair requests from everyone together per minute: generous, only a bound on the vault work (one read and
   * an HMAC each). Reaching it takes 60 source addresses each at its own limit.
   */
  public static final int MAX_PAIR_REQUESTS_PER_MINUTE = 600;
  /**
   * Keys, addresses or invite ids whose attempts are counted at once, in each tracker: a bound on memory.
   * Every bucket is full again at most a minute after its last take, and full buckets make room; a tracker
   * holding this many partly spent ones (attempts from more than 4096 places in a minute) refuses newcomers.
   */
  static final int MAX_TRACKED_KEYS = 4096;

  private final Identity identity;
  private final PeerBook peers;
  private final InviteBook invites;
  private final PeerService peerService;
  private final PeerRpc rpc;
  private final Clock clock;
  private final Executor worker;
  private final Supplier<List<String>> advertised;
  private volatile org.kith.node.peers.AddressDialer tunnels = org.kith.node.peers.AddressDialer.NONE;
  private volatile java.util.function.Consumer<PublicId> onPaired = key -> {};
  private final RateLimiter.Keyed<PublicId> perKey;
  private final RateLimiter.Keyed<SourceAddress> perAddress;
  private final RateLimiter.Keyed<ByteString> perInvite;
  private final RateLimiter all;

  public Pairing(Identity identity, PeerBook peers, InviteBook invites, PeerService peerService, PeerRpc rpc,
      Clock clock, Executor worker, Supplier<List<String>> advertised) {
    this.identity = identity;
    this.peers = peers;
    this.invites = invites;
    this.peerService = peerService;
    this.rpc = rpc;
    this.clock = clock;
    this.worker = worker;
    this.advertised = advertised;
    this.perKey = new RateLimiter.Keyed<>(MAX_PAIR_REQUESTS_PER_KEY_PER_MINUTE, Duration.ofMinutes(1),
        MAX_PAIR_REQUESTS_PER_KEY_PER_MINUTE, MAX_TRACKED_KEYS);
    this.perAddress = new RateLimiter.Keyed<>(MAX_PAIR_REQUESTS_PER_ADDRESS_PER_MINUTE, Duration.ofMinutes(1),
        MAX_PAIR_REQUESTS_PER_ADDRESS_PER_MINUTE, MAX_TRACKED_KEYS);
    this.perInvite = new RateLimiter.Keyed<>(MAX_PAIR_REQUESTS_PER_INVITE_PER_MINUTE, Duration.ofMinutes(1),
        MAX_PAIR_REQUESTS_PER_INVITE_PER_MINUTE, MAX_TRACKED_KEYS);
    this.all = new RateLimiter(MAX_PAIR_REQUESTS_PER_MINUTE, Duration.ofMinutes(1), MAX_PAIR_REQUESTS_PER_MINUTE,
        clock.millis());
  }

  public void register(Dispatcher d) {
    d.onRequest(FrameType.PAIR_REQUEST, Dispatcher.Audience.ANYONE, this::onPairRequest);
  }

  // ---- the inviter's side

  public InviteCode invite(String circle, Duration expiry, int uses) throws KithException {
    return invites.create(identity.id(), advertised.get(), circle == null ? Peer.DEFAULT_CIRCLE : circle, expiry, uses);
  }

  /**
   * On the event loop: the budgets, narrowest first (the requester's address, its key, the invite it names),
   * then everyone's; a refusal is {@code RATE_LIMITED} with a message saying which, and the transport then
   * closes the unpaired connection. The vault work runs on the worker.
   */
  private CompletableFuture<Response> onPairRequest(PeerConnection from, Frame request) {
    PairRequest req;
    try {
      req = FrameCodec.payload(request, PairRequest.parser());
    } catch (FrameException e) {
      return CompletableFuture.failedFuture(e);
    }
    long now = clock.millis();
    String refused = !perAddress.tryTake(SourceAddress.of(from.remoteAddress()), now) ? "from your address"
        : !perKey.tryTake(from.remote(), now) ? "from your key"
        : !perInvite.tryTake(req.getInviteId(), now) ? "at this invite"
        : !all.tryTake(now) ? "at this node" : null;
    if (refused != null) {
      LOG.debug("pairing attempt refused: too many {}", refused);
      return CompletableFuture.failedFuture(new ErrorFrameException(ErrorCode.RATE_LIMITED,
          "busy: too many pairing attempts " + refused + "; retry in a minute"));
    }
    try {
      return CompletableFuture.supplyAsync(() -> redeem(from, req), worker);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new ErrorFrameException(ErrorCode.RATE_LIMITED, "busy; retry shortly"));
    }
  }

  private Response redeem(PeerConnection from, PairRequest req) {
    try {
      Peer p = invites.redeem(peers, identity.id(), from.remote(), req.getInviteId().toByteArray(),
          req.getProof().toByteArray(), sanitize(req.getPetname()),
          dialBack(from.remoteAddress(), acceptAddresses(req.getAddressesList())));
      LOG.info("paired with a new peer");
      if (!p.addresses().isEmpty()) {
        peerService.maintain(p); // the invitee listens too: keep a way to reach it after either side restarts
      }
      return new Response(FrameType.PAIR_ACCEPT,
          PairAccept.newBuilder().setPetname(identity.name()).setCircle(p.circle()).build());
    } catch (InviteBook.Refused e) {
      LOG.info("refused a pairing attempt: {}", e.getMessage());
      throw new CompletionException(new ErrorFrameException(ErrorCode.INVITE_INVALID, "invite refused"));
    } catch (KithException e) {
      LOG.warn("pairing failed locally ({})", e.getClass().getSimpleName());
      throw new CompletionException(new ErrorFrameException(ErrorCode.INTERNAL, "try again later"));
    }
  }

  /** How to dial invite addresses that are not HOST:PORT (rooms); set once by the composition root. */
  public void tunnels(org.kith.node.peers.AddressDialer d) {
    this.tunnels = java.util.Objects.requireNonNull(d, "d");
  }

  /**
   * Told, on the invitee's side, once the inviter is stored as a peer: the pairing connection now carries what
   * goes to paired peers only (the address record). Set once by the composition root.
   */
  public void onPaired(java.util.function.Consumer<PublicId> listener) {
    this.onPaired = java.util.Objects.requireNonNull(listener, "listener");
  }

  // ---- the invitee's side

  /** The inviter's answer to a pairing. */
  record Accepted(String inviterName, String circle, String address) {}

  /** Pairs with the inviter of {@code codeText}, in their circle if paired before, else the default circle. */
  public Peer pair(String codeText, String petname, Duration timeout, boolean keepConnected) throws KithException {
    return pair(codeText, petname, null, timeout, keepConnected);
  }

  /**
   * Pairs with the inviter of {@code codeText}; on success the inviter is stored as a peer in {@code circle} (null:
   * the circle they were in if paired before, else {@link Peer#DEFAULT_CIRCLE}) and kept connected.
   */
  public Peer pair(String codeText, String petname, String circle, Duration timeout, boolean keepConnected)
      throws KithException {
    if (circle != null) {
      try {
        circle = PeerBook.checkName("circle", circle);
      } catch (KithException e) {
        throw KithException.badInput(e.getMessage() + ": name the circle you put them in, such as neighbours"
            + " (nothing was changed)");
      }
    }
    InviteCode code;
    try {
      code = InviteCode.parse(codeText);
    } catch (InvalidIdException e) {
      throw KithException.badInput(e.getMessage());
    }
    if (code.inviter().equals(identity.id())) {
      throw KithException.badInput("this invite is your own: give it to the person you want to pair with");
    }
    if (clock.instant().getEpochSecond() >= code.expiresAtSeconds()) {
      throw KithException.badInput("this invite expired at " + Instant.ofEpochSecond(code.expiresAtSeconds())
          + "; ask for a new one (nothing was changed)");
    }
    if (peers.isBlocked(code.inviter())) {
      throw KithException.badInput("you blocked this key; nothing was changed");
    }
    if (petname != null) {
      petname = PeerBook.checkName("petname", petname);
    }
    Accepted r = requestPairing(code, timeout);
    String name = petname != null ? petname
        : r.inviterName() == null || r.inviterName().isBlank() ? "peer-" + code.inviter().text().substring(5, 11)
        : r.inviterName().strip();
    if (name.length() > Peer.MAX_NAME_CHARS) {
      name = name.substring(0, Peer.MAX_NAME_CHARS);
    }
    long now = clock.millis();
    Peer existing = peers.get(code.inviter()).orElse(null);
    String in = circle != null ? circle : existing != null ? existing.circle() : Peer.DEFAULT_CIRCLE;
    Peer p = new Peer(code.inviter(), name, in,
        r.address() != null ? List.of(r.address()) : code.addresses(),
        existing != null ? existing.pairedAtMillis() : now, now, false, false);
    peers.put(p);
    if (keepConnected) {
      peerService.maintain(p);
    }
    onPaired.accept(p.id());
    return p;
  }

  private Accepted requestPairing(InviteCode code, Duration timeout) throws KithException {
    PairRequest req = PairRequest.newBuilder()
        .setInviteId(ByteString.copyFrom(code.inviteId()))
        .setProof(ByteString.copyFrom(PairingProof.compute(code.secret(), code.inviter().key(), identity.id().key())))
        .setPetname(identity.name())
        .addAllAddresses(acceptAddresses(advertised.get()))
        .build();
    // Every address at once, TCP ones a quarter second apart and rooms a second in (spec/PROTOCOL.md 9.1): an
    // address that drops packets (the inviter's LAN address, seen from another home) costs a quarter second, not
    // the whole timeout. Only when the connection the race gave closes under the request, one address after the
    // other as before.
    PeerConnection first = race(code, timeout);
    try {
      Frame res = first.request(FrameType.PAIR_REQUEST, req, timeout).get(timeout.toMillis() + 1000,
          TimeUnit.MILLISECONDS);
      PairAccept acc = FrameCodec.payload(res, PairAccept.parser());
      return new Accepted(acc.getPetname(), acc.getCircle(), addressOf(first, code));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ErrorFrameException ef) {
        throw refusal(ef);
      }
      if (!(e.getCause() instanceof ConnectionClosedException)) {
        throw new KithException(KithException.UNREACHABLE, "the inviter's node did not answer the pairing request ("
            + e.getCause() + "); nothing was changed: run `kith pair` again");
      }
    } catch (TimeoutException e) {
      throw new KithException(KithException.UNREACHABLE, "the inviter did not answer within " + timeout.toSeconds()
          + " s; nothing was changed: run `kith pair` again");
    } catch (FrameException e) {
      throw KithException.badInput("the inviter answered with a malformed message: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KithException(KithException.UNREACHABLE, "interrupted while pairing");
    }
    List<String> failures = new ArrayList<>();
    for (String addr : code.addresses()) {
      Optional<HostPort> hp = HostPort.tryParse(addr);
      // An address that is not HOST:PORT may be a room's: the dialer for it starts the first attempt here.
      Optional<CompletableFuture<PeerConnection>> tunnel = hp.isPresent() ? Optional.empty()
          : tunnels.dial(addr, code.inviter());
      if (hp.isEmpty() && tunnel.isEmpty()) {
        failures.add(addr + ": not HOST:PORT");
        continue;
      }
      InetSocketAddress sa = hp.map(HostPort::toSocketAddress).orElse(null);
      // A second try only when the connection we were handed closed under us (the inviter hangs up after
      // refusing an invite, and a quick retry can be given that closing connection).
      for (int attempt = 0; attempt < 2; attempt++) {
        PeerConnection conn;
        try {
          CompletableFuture<PeerConnection> dialled = sa != null ? rpc.connect(sa, code.inviter())
              : attempt == 0 ? tunnel.orElseThrow() : tunnels.dial(addr, code.inviter()).orElseThrow();
          conn = dialled.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof ConnectFailedException cf && cf.reason() == ConnectFailedException.Reason.CLOSED
              && attempt == 0) {
            continue;
          }
          failures.add(addr + ": " + (c instanceof ConnectFailedException cf ? describe(cf) : String.valueOf(c)));
          break;
        } catch (TimeoutException e) {
          failures.add(addr + ": no answer within " + timeout.toSeconds() + " s");
          break;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KithException(KithException.UNREACHABLE, "interrupted while pairing");
        }
        try {
          Frame res = conn.request(FrameType.PAIR_REQUEST, req, timeout)
              .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
          PairAccept acc = FrameCodec.payload(res, PairAccept.parser());
          return new Accepted(acc.getPetname(), acc.getCircle(), addr);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof ErrorFrameException ef) {
            throw refusal(ef);
          }
          if (e.getCause() instanceof ConnectionClosedException && attempt == 0) {
            continue;
          }
          failures.add(addr + ": " + e.getCause());
          break;
        } catch (TimeoutException e) {
          failures.add(addr + ": the inviter did not answer within " + timeout.toSeconds() + " s");
          break;
        } catch (FrameException e) {
          throw KithException.badInput("the inviter answered with a malformed message: " + e.getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KithException(KithException.UNREACHABLE, "interrupted while pairing");
        }
      }
    }
    throw new KithException(KithException.UNREACHABLE, "could not reach the inviter (is their node running with"
        + " `kith start`?): " + String.join("; ", failures));
  }

  /** The first connection to the inviter over any of the invite's addresses (a race), or why there is none. */
  private PeerConnection race(InviteCode code, Duration timeout) throws KithException {
    List<InetSocketAddress> tcp = new ArrayList<>();
    List<Supplier<CompletableFuture<PeerConnection>>> viaRooms = new ArrayList<>();
    for (String addr : code.addresses()) {
      Optional<HostPort> hp = HostPort.tryParse(addr);
      if (hp.isPresent()) {
        tcp.add(hp.get().toSocketAddress());
      } else {
        viaRooms.add(() -> tunnels.dial(addr, code.inviter()).orElseGet(() -> CompletableFuture.failedFuture(
            new IllegalArgumentException(addr + ": not HOST:PORT, nor a room this node is connected to"))));
      }
    }
    String where = String.join(", ", code.addresses());
    try {
      return rpc.race(code.inviter(), tcp, viaRooms).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw new KithException(KithException.UNREACHABLE, "could not reach the inviter at " + where + " (is their"
          + " node running with `kith start`?): " + (c instanceof ConnectFailedException cf
              ? cf.getMessage() + " (" + describe(cf) + ")" : c.getMessage()));
    } catch (TimeoutException e) {
      throw new KithException(KithException.UNREACHABLE, "could not reach the inviter at " + where + " within "
          + timeout.toSeconds() + " s (is their node running with `kith start`?)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KithException(KithException.UNREACHABLE, "interrupted while pairing");
    }
  }

  /** The invite address {@code c} was dialled at, or null (a room, or not found: all the invite's are kept). */
  private static String addressOf(PeerConnection c, InviteCode code) {
    if (c.via().isPresent()) {
      return null;
    }
    for (String addr : code.addresses()) {
      Optional<HostPort> hp = HostPort.tryParse(addr);
      if (hp.isPresent() && hp.get().toSocketAddress().equals(c.remoteAddress())) {
        return addr;
      }
    }
    return null;
  }

  private static KithException refusal(ErrorFrameException ef) {
    if (ef.code() == ErrorCode.INVITE_INVALID) {
      return KithException.badInput("the inviter refused this invite: it was already used, it expired, or the"
          + " code is not the one they gave; ask them for a new invite (nothing was changed)");
    }
    if (ef.code() == ErrorCode.RATE_LIMITED) {
      // Capacity ("too many connections") or rate ("too many pairing attempts"): the inviter's message says
      // which; it is cut to MAX_ERROR_MESSAGE_BYTES and cleaned before it reaches a terminal.
      return KithException.badInput("the inviter's node is busy and did not look at the invite (it said: "
          + ef.wireMessage() + "); nothing was changed: wait a minute and run `kith pair` again");
    }
    return KithException.badInput("the inviter's node refused pairing: " + ef.wireMessage());
  }

  private static String describe(ConnectFailedException e) {
    return switch (e.reason()) {
      case UNREACHABLE -> "nothing listening there";
      case TIMEOUT -> "timed out";
      case REFUSED -> "the node there is not the inviter, or it refused us";
      // A node out of handshake slots closes the oldest handshake; SHS leaves no way to say why.
      case HANDSHAKE_FAILED -> e.handshakeReason().filter(r -> r == HandshakeException.Reason.PEER_CLOSED)
          .map(r -> "the node there hung up during the handshake: it may be busy (retry in a minute), or it is"
              + " not a Kith node")
          .orElse(e.getMessage());
      default -> e.getMessage();
    };
  }

  // ---- addresses

  /**
   * The invitee's addresses worth storing (spec/PROTOCOL.md 6.2): at most {@link InviteCode#MAX_ADDRESSES} that
   * parse as host:port within {@link InviteCode#MAX_ADDRESS_BYTES}; the rest are ignored, never a refusal.
   */
  public static List<String> acceptAddresses(List<String> offered) {
    List<String> out = new ArrayList<>();
    for (String a : offered) {
      if (out.size() == InviteCode.MAX_ADDRESSES) {
        break;
      }
      int n = a.getBytes(StandardCharsets.UTF_8).length;
      if (n == 0 || n > InviteCode.MAX_ADDRESS_BYTES || a.chars().anyMatch(Character::isISOControl)) {
        continue;
      }
      if (HostPort.tryParse(a).isPresent() && !out.contains(a)) {
        out.add(a);
      }
    }
    return List.copyOf(out);
  }

  /**
   * Where to reach an invitee: the host its pairing connection came from, at each port it says it listens on.
   * The invitee's own host names are not used, so a peer cannot point this node at a third machine.
   */
  public static List<String> dialBack(InetSocketAddress seenFrom, List<String> offered) {
    if (seenFrom == null || seenFrom.getAddress() == null) {
      return List.of();
    }
    String ip = seenFrom.getAddress().getHostAddress();
    if (seenFrom.getAddress() instanceof Inet6Address) {
      int scope = ip.indexOf('%');
      ip = scope >= 0 ? ip.substring(0, scope) : ip;
    }
    List<String> out = new ArrayList<>();
    for (String a : offered) {
      String candidate = new HostPort(ip, HostPort.tryParse(a).orElseThrow().port()).toString();
      if (!out.contains(candidate) && out.size() < InviteCode.MAX_ADDRESSES) {
        out.add(candidate);
      }
    }
    return List.copyOf(out);
  }

  static String sanitize(String name) {
    String n = name == null ? "" : name.strip().replaceAll("\\p{Cntrl}", "");
    return n.length() > Peer.MAX_NAME_CHARS ? n.substring(0, Peer.MAX_NAME_CHARS) : n;
  }
}
