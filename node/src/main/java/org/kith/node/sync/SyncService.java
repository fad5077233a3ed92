package org.kith.node.sync;

import com.google.protobuf.Empty;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.kith.node.base.KithException;
import org.kith.node.net.Dispatcher;
import org.kith.node.net.ErrorFrameException;
import org.kith.node.net.PeerConnection;
import org.kith.node.net.PeerRpc;
import org.kith.node.net.Response;
import org.kith.node.net.Transport;
import org.kith.node.peers.Peer;
import org.kith.node.peers.PeerService;
import org.kith.node.records.RecordCodec;
import org.kith.node.records.RecordStore;
import org.kith.node.search.RecordRanker;
import org.kith.protocol.Limits;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.frame.Messages;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;
import org.kith.protocol.record.VerifiedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sync (spec/PROTOCOL.md 6.5): serving our records to paired peers, pulling what each connected peer shared
 * with us (on connect, every {@link #syncInterval}, and when a peer hints), and hinting connected peers in a
 * circle when we sign a record for it (6.5.1). Slow work runs on the node's worker; verification on the
 * verifier pool; timers on the node's scheduler.
 */
public final class SyncService {
  private static final Logger LOG = LoggerFactory.getLogger(SyncService.class);
  /** How often a running node pulls from each connected peer (it also pulls on every new connection). */
  public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(30);
  /** SyncRequest/SyncBatch rounds per peer per pull; the rest waits for the next pull. */
  public static final int MAX_SYNC_ROUNDS = 50;
  /** Pause before pulling again from a peer whose last pull stopped at {@link #MAX_SYNC_ROUNDS}. */
  public static final Duration REPULL_DELAY = Duration.ofSeconds(1);
  /** Hints within this pause go out as one per peer, and a peer's hints make us pull at most this often. */
  public static final Duration HINT_DELAY = Duration.ofMillis(250);

  private final RecordStore store;
  private final SyncServer server;
  private final RecordRanker ranker;
  private final PeerService peers;
  private final PeerRpc rpc;
  private final Clock clock;
  private final Executor worker;
  private final Executor verifier;
  private final ScheduledExecutorService scheduler;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Duration syncInterval = DEFAULT_SYNC_INTERVAL;
  /** Pulls running, by peer; guarded by itself. */
  private final Map<PublicId, CompletableFuture<Void>> pulls = new HashMap<>();
  /** Pulls asked for while one from the same peer ran; guarded by {@link #pulls}. */
  private final Map<PublicId, CompletableFuture<Void>> pullAgain = new HashMap<>();
  /** Circles with a hint waiting to be sent. */
  private final Set<String> hintsDue = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean hintsScheduled = new AtomicBoolean();
  /** When each peer's hint last made us pull (clock millis). */
  private final Map<PublicId, Long> hintedAt = new ConcurrentHashMap<>();
  /** Peers whose hint waits out {@link #HINT_DELAY} before it makes us pull. */
  private final Set<PublicId> hintHeld = ConcurrentHashMap.newKeySet();
  private final AtomicLong hintsReceived = new AtomicLong();
  private final AtomicLong pullsCompleted = new AtomicLong();

  public SyncService(RecordStore store, RecordRanker ranker, PeerService peers, PeerRpc rpc, Clock clock,
      Executor worker, Executor verifier, ScheduledExecutorService scheduler) {
    this.store = store;
    this.server = new SyncServer(store, clock);
    this.ranker = ranker;
    this.peers = peers;
    this.rpc = rpc;
    this.clock = clock;
    this.worker = worker;
    this.verifier = verifier;
    this.scheduler = scheduler;
  }

  public void register(Dispatcher d) {
    d.onRequest(FrameType.SYNC_REQUEST, Dispatcher.Audience.PAIRED, this::onSyncRequest);
    d.onMessage(FrameType.SYNC_HINT, Dispatcher.Audience.PAIRED, (from, frame) -> onHint(from.remote()));
    d.onConnection(new Dispatcher.Connections() {
      @Override
      public void onConnected(PeerConnection c) {
        if (started.get() && peers.paired(c.remote())) {
          pull(c.remote());
        }
      }
    });
    store.onOwnRecord(this::announce);
  }

  /** The responder's side, for tests that look at what a peer would be sent. */
  public SyncServer server() {
    return server;
  }

  /** Starts the periodic pull; a node that does not listen (a one-off command) never calls it. */
  public void start() {
    if (started.compareAndSet(false, true)) {
      schedule(this::periodic, syncInterval);
    }
  }

  /** Sets how often every connected peer is pulled from; takes effect at the next pull. */
  public void syncInterval(Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("sync interval not positive: " + d);
    }
    syncInterval = d;
  }

  private void periodic() {
    try {
      store.purgeExpired();
      syncNow();
    } catch (KithException | RuntimeException e) {
      LOG.warn("periodic sync failed ({})", e.getClass().getSimpleName());
    } finally {
      schedule(this::periodic, syncInterval);
    }
  }

  // ---- serving

  private CompletableFuture<Response> onSyncRequest(PeerConnection from, Frame request) {
    SyncRequest req;
    try {
      req = Messages.syncRequest(request);
    } catch (FrameException e) {
      return CompletableFuture.failedFuture(e);
    }
    try {
      return CompletableFuture.supplyAsync(() -> {
        Peer p = peers.book().get(from.remote()).filter(Peer::paired).orElseThrow(() ->
            new CompletionException(new ErrorFrameException(ErrorCode.NOT_PAIRED, "not paired")));
        return new Response(FrameType.SYNC_BATCH, server.serve(p.circle(), req));
      }, worker);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new ErrorFrameException(ErrorCode.RATE_LIMITED, "busy; retry shortly"));
    }
  }

  // ---- pulling

  /** Pulls from every connected paired peer; completes when all pulls ended (each failure is logged). */
  public CompletableFuture<Void> syncNow() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (PublicId p : peers.connectedPeers()) {
      all.add(pull(p));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  /**
   * Pulls the records {@code peer} shared with us since our cursor, in bounded rounds. If a pull from that peer
   * is running, one more follows it (a hint that arrived mid-pull may be about a record that pull already
   * passed), and the future returned completes when that one ends: whoever asks for a pull gets one that
   * started after they asked.
   */
  public CompletableFuture<Void> pull(PublicId peer) {
    if (closed.get() || !peers.paired(peer)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (pulls) {
      if (pulls.containsKey(peer)) {
        return pullAgain.computeIfAbsent(peer, k -> new CompletableFuture<>());
      }
      pulls.put(peer, done);
    }
    pullRounds(peer).handle((v, e) -> {
      if (e != null) {
        LOG.debug("sync with a peer ended early: {}", e.toString());
      }
      pullsCompleted.incrementAndGet();
      embedLater(peer);
      CompletableFuture<Void> next;
      synchronized (pulls) {
        pulls.remove(peer);
        next = pullAgain.remove(peer);
      }
      done.complete(null);
      if (next != null) {
        pull(peer).whenComplete((x, y) -> next.complete(null));
      }
      return null;
    });
    return done;
  }

  /** Pulls that ended (well or not) since this node started; tests await it instead of sleeping. */
  public long pullsCompleted() {
    return pullsCompleted.get();
  }

  private CompletableFuture<Void> pullRounds(PublicId peer) {
    long since;
    try {
      since = store.cursor(peer);
    } catch (KithException e) {
      return CompletableFuture.failedFuture(e);
    }
    PullState st = new PullState();
    return round(peer, since, 0, CompletableFuture.completedFuture(null), st).thenRun(() -> {
      if (st.cutShort) {
        // The round limit ended this pull with more waiting: pull again soon rather than at the next interval.
        schedule(() -> pull(peer), REPULL_DELAY);
      }
    });
  }

  /** One verified batch waiting to be stored, and the cursor to store with it. */
  private record Verified(List<VerifiedRecord> records, long nextCursor) {}

  /** Batches of one pull that are verified and wait, in order, to be stored. */
  private static final class PullState {
    final ArrayDeque<Verified> verified = new ArrayDeque<>();
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
    Optional<PeerConnection> c = rpc.connection(peer).filter(PeerConnection::isOpen);
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
      CompletableFuture<List<VerifiedRecord>> verified =
          RecordCodec.verifyAll(batch.getRecordsList(), clock.millis(), verifier);
      CompletableFuture<Void> stored = previous.thenCombine(verified, (p, v) -> {
        synchronized (st) {
          st.verified.add(new Verified(v, batch.getNextCursor()));
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

  private void storeQueued(PublicId peer, PullState st) {
    List<VerifiedRecord> all = new ArrayList<>();
    long cursor = 0;
    boolean any = false;
    synchronized (st) {
      Verified v;
      while ((v = st.verified.poll()) != null) {
        all.addAll(v.records());
        cursor = v.nextCursor();
        any = true;
      }
    }
    if (!any) {
      return;
    }
    try {
      RecordStore.Accepted a = store.accept(peer, all, cursor);
      if (a.rejected() > 0) {
        LOG.info("dropped {} records from a peer that did not verify or broke the sync rules", a.rejected());
      }
    } catch (KithException e) {
      throw new CompletionException(e);
    }
  }

  /** Embeds what a pull brought, off the pull's path, so an ask later does not wait for the model. */
  private void embedLater(PublicId peer) {
    try {
      worker.execute(() -> {
        try {
          ranker.ensureVectors(store.peerRecords(h -> peer.equals(h.from)));
        } catch (KithException | RuntimeException e) {
          LOG.warn("embedding synced records failed ({})", e.getClass().getSimpleName());
        }
      });
    } catch (RejectedExecutionException e) {
      LOG.debug("closing or busy: asking embeds what it needs itself");
    }
  }

  // ---- hints (spec 6.5.1): new records reach connected peers now, not at their next interval

  /**
   * Called with the record store's lock held, so it only notes the circle: the scheduler's thread picks the
   * peers and sends, taking no lock of the caller's.
   */
  void announce(String circle) {
    hintsDue.add(circle);
    if (hintsScheduled.compareAndSet(false, true)) {
      schedule(this::sendHints, HINT_DELAY);
    }
  }

  private void sendHints() {
    hintsScheduled.set(false); // before taking the circles: one noted after this schedules its own round
    List<String> circles = new ArrayList<>(hintsDue);
    hintsDue.removeAll(circles);
    for (PublicId p : peers.connectedPeers()) {
      boolean inCircle = peers.book().get(p)
          .filter(peer -> peer.paired() && circles.contains(peer.circle())).isPresent();
      if (inCircle) {
        rpc.connection(p).filter(PeerConnection::isOpen)
            .filter(c -> c.speaks(Transport.CAPABILITY_SYNC_HINT))
            .ifPresent(c -> c.send(FrameType.SYNC_HINT, Empty.getDefaultInstance()));
      }
    }
  }

  /** Sync hints received from paired peers since this node started (tests read it; it says who shares when). */
  public long hintsReceived() {
    return hintsReceived.get();
  }

  private void onHint(PublicId from) {
    if (!started.get() || !peers.paired(from)) {
      return;
    }
    hintsReceived.incrementAndGet();
    long now = clock.millis();
    Long last = hintedAt.get(from);
    long wait = last == null ? 0 : last + HINT_DELAY.toMillis() - now;
    if (wait <= 0) {
      hintedAt.put(from, now);
      pull(from); // if a pull from this peer is running, it pulls once more when it ends
      return;
    }
    // Too soon after the last one: one pull when the pause is over covers this hint and any more until then.
    if (hintHeld.add(from)) {
      if (!schedule(() -> {
        hintHeld.remove(from);
        hintedAt.put(from, clock.millis());
        pull(from);
      }, Duration.ofMillis(wait))) {
        hintHeld.remove(from);
      }
    }
  }

  private boolean schedule(Runnable r, Duration delay) {
    if (closed.get()) {
      return false;
    }
    try {
      scheduler.schedule(r, delay.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      return false; // closing
    }
  }

  public void close() {
    closed.set(true);
  }
}
