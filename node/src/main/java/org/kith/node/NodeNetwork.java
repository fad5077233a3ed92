package org.kith.node;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.node.net.Admission;
import org.kith.node.net.ConnectFailedException;
import org.kith.node.net.ErrorFrameException;
import org.kith.node.net.PeerConnection;
import org.kith.node.net.RequestHandler;
import org.kith.node.net.Response;
import org.kith.node.net.Transport;
import org.kith.node.net.TransportConfig;
import org.kith.node.pairing.InviteBook;
import org.kith.node.pairing.Peer;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.identity.InviteCode;
import org.kith.protocol.identity.PairingProof;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.PairAccept;
import org.kith.protocol.proto.PairRequest;
import org.kith.protocol.proto.Unpair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node on the network: admission (blocked keys are refused during the handshake; unpaired keys may send
 * only PAIR_REQUEST, a few a minute), pairing on both sides, unpair notices, and keeping connections to paired
 * peers up. Slow work (the vault) runs on the node's own small executor, never on the event loop.
 */
public final class NodeNetwork implements PeerNetwork, RequestHandler, Admission {
  private static final Logger LOG = LoggerFactory.getLogger(NodeNetwork.class);
  /** Pair requests per unpaired key per minute, and from all unpaired keys together. */
  public static final int MAX_PAIR_REQUESTS_PER_KEY_PER_MINUTE = 3;
  public static final int MAX_PAIR_REQUESTS_PER_MINUTE = 30;
  public static final int MAX_QUEUED_TASKS = 256;

  private final NodeServices services;
  private final Transport transport;
  private final ExecutorService worker;
  private final Map<PublicId, int[]> pairAttempts = new ConcurrentHashMap<>();
  private final int[] allPairAttempts = {0};
  private volatile long attemptsWindowStart;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile InetSocketAddress listening;
  private volatile ListenConfig listenConfig;

  public NodeNetwork(NodeServices services, TransportConfig config) throws KithException {
    this.services = services;
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(MAX_QUEUED_TASKS),
        r -> {
          Thread t = new Thread(r, "kith-node");
          t.setDaemon(true);
          return t;
        });
    this.transport = new Transport(config, services.node().keyPair(), NetworkKey.KITH_V1, this, this);
    this.attemptsWindowStart = services.clock().millis();
  }

  public Transport transport() {
    return transport;
  }

  /** Starts listening; returns the bound address (port 0 picks one). */
  public InetSocketAddress listen(ListenConfig cfg) throws KithException {
    try {
      listening = transport.listen(cfg.host(), cfg.port());
    } catch (java.io.IOException e) {
      throw KithException.badInput("cannot listen on " + cfg.host() + ":" + cfg.port() + ": " + e.getMessage()
          + " (is another node using that port? pick another with --listen HOST:PORT)");
    }
    listenConfig = new ListenConfig(cfg.host(), listening.getPort());
    return listening;
  }

  /** Keeps a connection up to every paired peer with an address. */
  public void maintainAll() {
    for (Peer p : services.peers().all()) {
      if ((p.paired() || p.unpairPending()) && !p.addresses().isEmpty()) {
        maintain(p);
      }
    }
  }

  // ---- PeerNetwork

  @Override
  public List<String> advertisedAddresses() {
    ListenConfig c = listenConfig;
    return c == null ? List.of() : c.advertised();
  }

  @Override
  public String listenAddress() {
    InetSocketAddress a = listening;
    return a == null ? null : a.getHostString() + ":" + a.getPort();
  }

  @Override
  public boolean isConnected(PublicId peer) {
    return transport.connection(peer).map(PeerConnection::isOpen).orElse(false);
  }

  @Override
  public PairResult pair(InviteCode code, String myName, Duration timeout) throws KithException {
    byte[] self = services.node().id().key();
    PairRequest req = PairRequest.newBuilder()
        .setInviteId(com.google.protobuf.ByteString.copyFrom(code.inviteId()))
        .setProof(com.google.protobuf.ByteString.copyFrom(PairingProof.compute(code.secret(), code.inviter().key(), self)))
        .setPetname(myName == null ? "" : myName)
        .build();
    List<String> failures = new ArrayList<>();
    for (String addr : code.addresses()) {
      InetSocketAddress sa;
      try {
        sa = parseAddress(addr);
      } catch (KithException e) {
        failures.add(addr + ": " + e.getMessage());
        continue;
      }
      PeerConnection conn;
      try {
        conn = transport.connect(sa, code.inviter()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        failures.add(addr + ": " + (c instanceof ConnectFailedException cf ? describe(cf) : String.valueOf(c)));
        continue;
      } catch (TimeoutException e) {
        failures.add(addr + ": no answer within " + timeout.toSeconds() + " s");
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KithException(KithException.UNREACHABLE, "interrupted while pairing");
      }
      try {
        Frame res = conn.request(FrameType.PAIR_REQUEST, req, timeout).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        PairAccept acc = FrameCodec.payload(res, PairAccept.parser());
        return new PairResult(acc.getPetname(), acc.getCircle(), addr);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof ErrorFrameException ef) {
          if (ef.code() == ErrorCode.INVITE_INVALID) {
            throw KithException.badInput("the inviter refused this invite: it was already used, it expired, or the"
                + " code is not the one they gave; ask them for a new invite (nothing was changed)");
          }
          if (ef.code() == ErrorCode.RATE_LIMITED) {
            throw KithException.badInput("the inviter's node is limiting pairing attempts; wait a minute and retry");
          }
          throw KithException.badInput("the inviter's node refused pairing: " + ef.wireMessage());
        }
        failures.add(addr + ": " + e.getCause());
      } catch (TimeoutException e) {
        failures.add(addr + ": the inviter did not answer within " + timeout.toSeconds() + " s");
      } catch (FrameException e) {
        throw KithException.badInput("the inviter answered with a malformed message: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KithException(KithException.UNREACHABLE, "interrupted while pairing");
      }
    }
    throw new KithException(KithException.UNREACHABLE, "could not reach the inviter (is their node running with"
        + " `kith start`?): " + String.join("; ", failures));
  }

  private static String describe(ConnectFailedException e) {
    return switch (e.reason()) {
      case UNREACHABLE -> "nothing listening there";
      case TIMEOUT -> "timed out";
      case REFUSED -> "the node there is not the inviter, or it refused us";
      default -> e.getMessage();
    };
  }

  @Override
  public boolean tellUnpaired(PublicId peer) {
    return transport.connection(peer).filter(PeerConnection::isOpen).map(c -> {
      c.send(FrameType.UNPAIR, Unpair.getDefaultInstance());
      return true;
    }).orElse(false);
  }

  @Override
  public void maintain(Peer peer) {
    List<InetSocketAddress> addrs = new ArrayList<>();
    for (String a : peer.addresses()) {
      try {
        addrs.add(parseAddress(a));
      } catch (KithException e) {
        LOG.debug("skipping an unusable peer address");
      }
    }
    if (!addrs.isEmpty()) {
      transport.maintain(peer.id(), addrs);
    }
  }

  @Override
  public void forget(PublicId peer) {
    transport.forget(peer);
  }

  static InetSocketAddress parseAddress(String hostPort) throws KithException {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw KithException.badInput("not HOST:PORT: " + hostPort);
    }
    try {
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw KithException.badInput("port out of range: " + hostPort);
      }
      return new InetSocketAddress(hostPort.substring(0, colon).replace("[", "").replace("]", ""), port);
    } catch (IllegalArgumentException e) {
      throw KithException.badInput("not HOST:PORT: " + hostPort);
    }
  }

  // ---- Admission (event loop: memory only)

  @Override
  public boolean admitHandshake(PublicId client) {
    return !services.peers().isBlocked(client);
  }

  @Override
  public boolean allow(PublicId peer, FrameType type) {
    if (type == FrameType.PAIR_REQUEST) {
      return true;
    }
    if (type == FrameType.UNPAIR) {
      return services.peers().get(peer).isPresent();
    }
    return services.peers().isPaired(peer);
  }

  // ---- RequestHandler (event loop: hand slow work to the worker)

  @Override
  public CompletableFuture<Response> handle(PeerConnection from, Frame request) {
    if (request.getHeader().getType() == FrameType.PAIR_REQUEST) {
      if (!pairBudget(from.remote())) {
        return CompletableFuture.failedFuture(
            new ErrorFrameException(ErrorCode.RATE_LIMITED, "too many pairing attempts; wait a minute"));
      }
      return CompletableFuture.supplyAsync(() -> redeem(from, request), worker);
    }
    return CompletableFuture.failedFuture(
        new ErrorFrameException(ErrorCode.UNSUPPORTED, "this node does not serve " + request.getHeader().getType()));
  }

  private Response redeem(PeerConnection from, Frame request) {
    PairRequest req;
    try {
      req = FrameCodec.payload(request, PairRequest.parser());
    } catch (FrameException e) {
      throw new java.util.concurrent.CompletionException(e);
    }
    try {
      Peer p = services.invites().redeem(services.peers(), services.node().id(), from.remote(),
          req.getInviteId().toByteArray(), req.getProof().toByteArray(), sanitize(req.getPetname()), List.of());
      LOG.info("paired with a new peer in circle {}", p.circle().length());
      return new Response(FrameType.PAIR_ACCEPT,
          PairAccept.newBuilder().setPetname(services.node().name()).setCircle(p.circle()).build());
    } catch (InviteBook.Refused e) {
      LOG.info("refused a pairing attempt: {}", e.getMessage());
      throw new java.util.concurrent.CompletionException(
          new ErrorFrameException(ErrorCode.INVITE_INVALID, "invite refused"));
    } catch (KithException e) {
      LOG.warn("pairing failed locally: {}", e.getMessage());
      throw new java.util.concurrent.CompletionException(new ErrorFrameException(ErrorCode.INTERNAL, "try again later"));
    }
  }

  static String sanitize(String name) {
    String n = name == null ? "" : name.strip().replaceAll("\\p{Cntrl}", "");
    return n.length() > Peer.MAX_NAME_CHARS ? n.substring(0, Peer.MAX_NAME_CHARS) : n;
  }

  private synchronized boolean pairBudget(PublicId key) {
    long now = services.clock().millis();
    if (now - attemptsWindowStart > 60_000) {
      attemptsWindowStart = now;
      pairAttempts.clear();
      allPairAttempts[0] = 0;
    }
    int[] n = pairAttempts.computeIfAbsent(key, k -> new int[1]);
    if (n[0] >= MAX_PAIR_REQUESTS_PER_KEY_PER_MINUTE || allPairAttempts[0] >= MAX_PAIR_REQUESTS_PER_MINUTE) {
      return false;
    }
    n[0]++;
    allPairAttempts[0]++;
    return true;
  }

  @Override
  public void onMessage(PeerConnection from, Frame message) {
    if (message.getHeader().getType() == FrameType.UNPAIR) {
      PublicId who = from.remote();
      worker.execute(() -> {
        try {
          services.peers().get(who).ifPresent(p -> {
            try {
              services.peers().remove(who);
            } catch (KithException e) {
              LOG.warn("could not forget an unpaired peer: {}", e.getMessage());
            }
          });
          transport.forget(who);
        } catch (RuntimeException e) {
          LOG.error("unpair notice failed", e);
        }
      });
    }
  }

  @Override
  public void onConnected(PeerConnection c) {
    PublicId who = c.remote();
    services.peers().seen(who, services.clock().millis());
    services.peers().get(who).filter(Peer::unpairPending).ifPresent(p -> {
      c.send(FrameType.UNPAIR, Unpair.getDefaultInstance());
      worker.execute(() -> {
        try {
          services.peers().remove(who);
        } catch (KithException e) {
          LOG.warn("could not forget an unpaired peer: {}", e.getMessage());
        }
        transport.forget(who);
      });
    });
  }

  @Override
  public void onClosed(PeerConnection c) {
    services.peers().seen(c.remote(), services.clock().millis());
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      transport.close();
      worker.shutdown();
      try {
        worker.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
