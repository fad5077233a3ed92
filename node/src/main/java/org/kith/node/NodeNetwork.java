package org.kith.node;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
import org.kith.protocol.frame.Messages;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;
import org.kith.node.query.QueryService;
import org.kith.node.share.SharedRecords;
import java.util.Optional;
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
  /** Threads answering queries; apart from the worker so pairing and sync never wait behind a query. */
  public static final int QUERY_THREADS = 2;
  /** Threads verifying synced records; a pull has at most one batch being verified, so the queue is bounded. */
  public static final int VERIFY_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());
  /** How often a running node pulls from each connected peer (it also pulls on every new connection). */
  public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(30);
  /** SyncRequest/SyncBatch rounds per peer per pull; the rest waits for the next pull. */
  public static final int MAX_SYNC_ROUNDS = 50;
  /** Pause before pulling again from a peer whose last pull stopped at {@link #MAX_SYNC_ROUNDS}. */
  public static final Duration REPULL_DELAY = Duration.ofSeconds(1);

  private final NodeServices services;
  private final Transport transport;
  private final ExecutorService worker;
  private final ExecutorService queryWorker;
  private final ExecutorService verifier;
  private final java.util.concurrent.ScheduledExecutorService timer;
  private final java.util.Set<PublicId> syncing = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean syncStarted = new AtomicBoolean();
  private volatile Duration syncInterval = DEFAULT_SYNC_INTERVAL;
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
    this.queryWorker = new ThreadPoolExecutor(QUERY_THREADS, QUERY_THREADS, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(MAX_QUEUED_TASKS), r -> {
          Thread t = new Thread(r, "kith-query");
          t.setDaemon(true);
          return t;
        });
    this.verifier = new ThreadPoolExecutor(VERIFY_THREADS, VERIFY_THREADS, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "kith-verify");
          t.setDaemon(true);
          return t;
        });
    this.timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kith-sync-timer");
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
      String why = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage()
          : e.getMessage();
      throw KithException.badInput("cannot listen on " + cfg.host() + ":" + cfg.port() + ": " + why
          + " (is another node using that port? pick another with --listen HOST:PORT)");
    }
    listenConfig = new ListenConfig(cfg.host(), listening.getPort());
    return listening;
  }

  /** Sets how often every connected peer is pulled from; takes effect at the next pull. */
  public void syncInterval(Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("sync interval not positive: " + d);
    }
    syncInterval = d;
  }

  /** Keeps a connection up to every paired peer with an address, and starts the periodic sync. */
  public void maintainAll() {
    if (syncStarted.compareAndSet(false, true)) {
      scheduleSync();
    }
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
    if (a == null) {
      return null;
    }
    // Say "0.0.0.0:7347" for all interfaces, as the owner typed it, not the wildcard's IPv6 spelling.
    String host = a.getAddress() != null && a.getAddress().isAnyLocalAddress() ? "0.0.0.0" : a.getHostString();
    return host + ":" + a.getPort();
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
        .addAllAddresses(ownAddresses())
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
      // A second try only when the connection we were handed closed under us (the inviter hangs up after
      // refusing an invite, and a quick retry can be given that closing connection).
      for (int attempt = 0; attempt < 2; attempt++) {
        PeerConnection conn;
        try {
          conn = transport.connect(sa, code.inviter()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
          if (e.getCause() instanceof org.kith.node.net.ConnectionClosedException && attempt == 0) {
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
      // Close only once the notice is written, so it is not lost with the connection.
      c.send(FrameType.UNPAIR, Unpair.getDefaultInstance()).whenComplete((ok, err) -> c.close());
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

  /** Stops reconnecting and drops the current connection: a blocked or unpaired key keeps nothing open. */
  @Override
  public void forget(PublicId peer) {
    transport.forget(peer);
    transport.connection(peer).ifPresent(c -> {
      if (!services.peers().get(peer).map(Peer::unpairPending).orElse(false)) {
        c.close();
      }
    });
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

  // ---- sync (spec section 6.5): pull what each peer shared with us

  private void scheduleSync() {
    try {
      timer.schedule(() -> {
        try {
          services.records().purgeExpired();
          syncNow();
        } catch (KithException | RuntimeException e) {
          LOG.warn("periodic sync failed: {}", e.getMessage());
        } finally {
          if (!closed.get()) {
            scheduleSync();
          }
        }
      }, syncInterval.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  /** Pulls from every connected paired peer; completes when all pulls ended (each failure is logged). */
  public CompletableFuture<Void> syncNow() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (PublicId p : connectedPeers()) {
      all.add(pull(p));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  /** Pulls the records {@code peer} shared with us since our cursor, in bounded rounds. */
  public CompletableFuture<Void> pull(PublicId peer) {
    if (closed.get() || !services.peers().isPaired(peer)) {
      return CompletableFuture.completedFuture(null);
    }
    if (!syncing.add(peer)) {
      pullAgain.add(peer); // a hint that arrived mid-pull may be about a record that pull already passed
      return CompletableFuture.completedFuture(null);
    }
    return round(peer, 0).handle((v, e) -> {
      syncing.remove(peer);
      if (e != null) {
        LOG.debug("sync with a peer ended early: {}", e.toString());
      }
      embedLater(peer);
      if (pullAgain.remove(peer)) {
        pull(peer);
      }
      return null;
    });
  }

  // ---- sync hints (spec section 6.5.1): new records reach connected peers now, not at their next interval

  /** Circles with a hint waiting to be sent; hints within {@link #HINT_DELAY} go out as one per peer. */
  private final Set<String> hintsDue = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean hintsScheduled = new AtomicBoolean();
  /** When each peer's hint last made us pull, to pull at most once per {@link #HINT_DELAY} per peer. */
  private final Map<PublicId, Long> hintedAt = new ConcurrentHashMap<>();
  private final Set<PublicId> pullAgain = ConcurrentHashMap.newKeySet();
  /** Peers whose hint waits out {@link #HINT_DELAY} before it makes us pull. */
  private final Set<PublicId> hintHeld = ConcurrentHashMap.newKeySet();
  public static final Duration HINT_DELAY = Duration.ofMillis(250);
  private final AtomicLong hintsReceived = new AtomicLong();

  /**
   * Called with the record store's lock held, so it only notes the circle: the timer thread picks the peers
   * and sends, taking no lock of the caller's.
   */
  @Override
  public void announce(String circle) {
    hintsDue.add(circle);
    if (hintsScheduled.compareAndSet(false, true)) {
      try {
        timer.schedule(this::sendHints, HINT_DELAY.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing
      }
    }
  }

  private void sendHints() {
    hintsScheduled.set(false); // before taking the circles: one noted after this schedules its own round
    List<String> circles = new ArrayList<>(hintsDue);
    hintsDue.removeAll(circles);
    for (PublicId p : connectedPeers()) {
      boolean inCircle = services.peers().get(p)
          .filter(peer -> peer.paired() && circles.contains(peer.circle())).isPresent();
      if (inCircle) {
        transport.connection(p).filter(PeerConnection::isOpen)
            .filter(c -> c.speaks(Transport.CAPABILITY_SYNC_HINT))
            .ifPresent(c -> c.send(FrameType.SYNC_HINT, com.google.protobuf.Empty.getDefaultInstance()));
      }
    }
  }

  /** Sync hints received from paired peers since this node started (tests read it; it says who shares when). */
  public long hintsReceived() {
    return hintsReceived.get();
  }

  private void onHint(PublicId from) {
    if (!syncStarted.get() || !services.peers().isPaired(from)) {
      return;
    }
    hintsReceived.incrementAndGet();
    long now = System.nanoTime();
    Long last = hintedAt.get(from);
    long wait = last == null ? 0 : last + HINT_DELAY.toNanos() - now;
    if (wait <= 0) {
      hintedAt.put(from, now);
      pull(from); // if a pull from this peer is running, it pulls once more when it ends
      return;
    }
    // Too soon after the last one: one pull when the pause is over covers this hint and any more until then.
    if (hintHeld.add(from)) {
      try {
        timer.schedule(() -> {
          hintHeld.remove(from);
          hintedAt.put(from, System.nanoTime());
          pull(from);
        }, wait, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        hintHeld.remove(from); // closing
      }
    }
  }

  private CompletableFuture<Void> round(PublicId peer, int n) {
    long since;
    try {
      since = services.records().cursor(peer);
    } catch (KithException e) {
      return CompletableFuture.failedFuture(e);
    }
    PullState st = new PullState();
    return round(peer, since, n, CompletableFuture.completedFuture(null), st).thenRun(() -> {
      if (st.cutShort && !closed.get()) {
        // The round limit ended this pull with more waiting: pull again soon rather than at the next interval.
        try {
          timer.schedule(() -> pull(peer), REPULL_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          // closing
        }
      }
    });
  }

  /** Batches of one pull that are verified and wait, in order, to be stored. */
  private static final class PullState {
    final java.util.ArrayDeque<Object[]> verified = new java.util.ArrayDeque<>();
    volatile boolean cutShort;
  }

  /**
   * One SyncRequest. As soon as a batch arrives, the next request goes out with its {@code next_cursor}, so the
   * network works while this batch is verified (on the verifier threads). Verified batches queue in order and
   * the worker stores whatever has queued in one vault write, so a slow disk means fewer, larger writes; the
   * cursor stored with them is the last batch's, so a pull cut short resumes where storing stopped.
   */
  private CompletableFuture<Void> round(PublicId peer, long since, int n, CompletableFuture<Void> previous,
      PullState st) {
    Optional<PeerConnection> c = transport.connection(peer).filter(PeerConnection::isOpen);
    if (c.isEmpty()) {
      return previous;
    }
    SyncRequest req = SyncRequest.newBuilder().setSinceCursor(since).setMax(Limits.MAX_SYNC_BATCH).build();
    return c.get().request(FrameType.SYNC_REQUEST, req).thenCompose(frame -> {
      SyncBatch batch;
      try {
        batch = Messages.syncBatch(frame);
      } catch (FrameException e) {
        return CompletableFuture.failedFuture(e);
      }
      CompletableFuture<List<org.kith.protocol.record.VerifiedRecord>> verified = SharedRecords.verifyAll(
          batch.getRecordsList(), services.clock().millis(), verifier);
      CompletableFuture<Void> stored = previous.thenCombine(verified, (p, v) -> {
        synchronized (st) {
          st.verified.add(new Object[] {v, batch.getNextCursor()});
        }
        return (Void) null;
      }).thenRunAsync(() -> storeQueued(peer, st), worker);
      if (batch.getMore() && n + 1 < MAX_SYNC_ROUNDS && batch.getNextCursor() != since) {
        return round(peer, batch.getNextCursor(), n + 1, stored, st);
      }
      st.cutShort = batch.getMore() && n + 1 >= MAX_SYNC_ROUNDS;
      return stored;
    });
  }

  @SuppressWarnings("unchecked")
  private void storeQueued(PublicId peer, PullState st) {
    List<org.kith.protocol.record.VerifiedRecord> all = new ArrayList<>();
    long cursor = 0;
    boolean any = false;
    synchronized (st) {
      Object[] e;
      while ((e = st.verified.poll()) != null) {
        all.addAll((List<org.kith.protocol.record.VerifiedRecord>) e[0]);
        cursor = (Long) e[1];
        any = true;
      }
    }
    if (!any) {
      return;
    }
    try {
      SharedRecords.Accepted a = services.records().accept(peer, all, cursor);
      if (a.rejected() > 0) {
        LOG.info("dropped {} records from a peer that did not verify or broke the sync rules", a.rejected());
      }
    } catch (KithException e) {
      throw new java.util.concurrent.CompletionException(e);
    }
  }

  /** Embeds what a pull brought, off the pull's path, so an ask later does not wait for the model. */
  private void embedLater(PublicId peer) {
    try {
      worker.execute(() -> {
        try {
          services.records().ensureVectors(services.records().peerRecords(h -> peer.equals(h.from)));
        } catch (KithException | RuntimeException e) {
          LOG.warn("embedding synced records failed: {}", e.getMessage());
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing or busy: asking embeds what it needs itself
    }
  }

  private Response serveSync(PeerConnection from, SyncRequest req) {
    Peer p = services.peers().get(from.remote()).filter(Peer::paired).orElseThrow(() ->
        new java.util.concurrent.CompletionException(new ErrorFrameException(ErrorCode.NOT_PAIRED, "not paired")));
    return new Response(FrameType.SYNC_BATCH, services.records().serve(p.circle(), req));
  }

  // ---- queries (spec section 6.4)

  @Override
  public List<PublicId> connectedPeers() {
    List<PublicId> out = new ArrayList<>();
    for (PeerConnection c : transport.connections()) {
      if (c.isOpen() && services.peers().isPaired(c.remote()) && !out.contains(c.remote())) {
        out.add(c.remote());
      }
    }
    return out;
  }

  @Override
  public CompletableFuture<Answer> query(PublicId peer, Query q, Duration timeout) {
    Optional<PeerConnection> c = transport.connection(peer).filter(PeerConnection::isOpen);
    if (c.isEmpty()) {
      return CompletableFuture.failedFuture(new java.net.ConnectException("not connected"));
    }
    return c.get().request(FrameType.QUERY, q, timeout).thenApply(frame -> {
      try {
        return Messages.answer(frame);
      } catch (FrameException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
  }

  private CompletableFuture<Response> serveQuery(PeerConnection from, Frame request) {
    Query q;
    try {
      q = Messages.query(request);
    } catch (FrameException e) {
      return CompletableFuture.failedFuture(e);
    }
    PublicId who = from.remote();
    String refused = services.queries().admit(who);
    if (refused != null) {
      return CompletableFuture.failedFuture(new ErrorFrameException(ErrorCode.RATE_LIMITED, refused));
    }
    CompletableFuture<Response> result;
    try {
      result = CompletableFuture.supplyAsync(() -> {
        try {
          return services.queries().answer(who, q, queryWorker);
        } catch (QueryService.Refused e) {
          throw new java.util.concurrent.CompletionException(
              new ErrorFrameException(ErrorCode.DEADLINE_EXCEEDED, e.getMessage()));
        } catch (KithException e) {
          LOG.warn("answering a query failed locally: {}", e.getMessage());
          throw new java.util.concurrent.CompletionException(new ErrorFrameException(ErrorCode.INTERNAL, "try again later"));
        }
      }, queryWorker).thenCompose(f -> f).thenApply(a -> new Response(FrameType.ANSWER, a));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      services.queries().done(who);
      return CompletableFuture.failedFuture(new ErrorFrameException(ErrorCode.RATE_LIMITED, "busy; retry shortly"));
    }
    result.whenComplete((r, e) -> services.queries().done(who));
    return result;
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
    if (request.getHeader().getType() == FrameType.QUERY) {
      return serveQuery(from, request);
    }
    if (request.getHeader().getType() == FrameType.SYNC_REQUEST) {
      SyncRequest req;
      try {
        req = Messages.syncRequest(request);
      } catch (FrameException e) {
        return CompletableFuture.failedFuture(e);
      }
      try {
        return CompletableFuture.supplyAsync(() -> serveSync(from, req), worker);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return CompletableFuture.failedFuture(new ErrorFrameException(ErrorCode.RATE_LIMITED, "busy; retry shortly"));
      }
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
          req.getInviteId().toByteArray(), req.getProof().toByteArray(), sanitize(req.getPetname()),
          dialBack(from.remoteAddress(), acceptAddresses(req.getAddressesList())));
      LOG.info("paired with a new peer");
      if (!p.addresses().isEmpty()) {
        maintain(p); // the invitee listens too: keep a way to reach it after either side restarts
      }
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

  /** What goes in our {@code PairRequest.addresses}: where this node listens, within the invite code's limits. */
  private List<String> ownAddresses() {
    return acceptAddresses(advertisedAddresses());
  }

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
      int n = a.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      if (n == 0 || n > InviteCode.MAX_ADDRESS_BYTES || a.chars().anyMatch(Character::isISOControl)) {
        continue;
      }
      if (!looksLikeHostPort(a)) {
        continue;
      }
      if (!out.contains(a)) {
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
    if (seenFrom.getAddress() instanceof java.net.Inet6Address) {
      int scope = ip.indexOf('%');
      ip = "[" + (scope >= 0 ? ip.substring(0, scope) : ip) + "]";
    }
    List<String> out = new ArrayList<>();
    for (String a : offered) {
      String candidate = ip + a.substring(a.lastIndexOf(':'));
      if (!out.contains(candidate) && out.size() < InviteCode.MAX_ADDRESSES) {
        out.add(candidate);
      }
    }
    return List.copyOf(out);
  }

  /** "host:port" with a DNS name, IPv4 or [IPv6] host and a port in 1..65535; checked without any lookup. */
  private static boolean looksLikeHostPort(String a) {
    int colon = a.lastIndexOf(':');
    if (colon <= 0 || colon == a.length() - 1 || colon + 6 < a.length()) {
      return false;
    }
    String host = a.substring(0, colon);
    String port = a.substring(colon + 1);
    if (!port.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(port) < 1
        || Integer.parseInt(port) > 65535) {
      return false;
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      return host.length() > 2 && host.substring(1, host.length() - 1).chars()
          .allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
    }
    return host.chars().allMatch(c -> c == '.' || c == '-' || (c < 128 && Character.isLetterOrDigit(c)));
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
    if (message.getHeader().getType() == FrameType.SYNC_HINT) {
      onHint(from.remote());
      return;
    }
    if (message.getHeader().getType() == FrameType.UNPAIR) {
      PublicId who = from.remote();
      worker.execute(() -> {
        try {
          services.peers().get(who).ifPresent(p -> {
            try {
              services.peers().remove(who);
              services.records().forgetFrom(who);
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
    if (syncStarted.get() && services.peers().isPaired(who)) {
      pull(who);
    }
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
      timer.shutdownNow();
      transport.close();
      queryWorker.shutdown();
      verifier.shutdown();
      worker.shutdown();
      try {
        worker.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
