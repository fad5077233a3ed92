package org.kith.node.query;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.kith.node.base.KithException;
import org.kith.node.model.Model;
import org.kith.node.net.Dispatcher;
import org.kith.node.net.ErrorFrameException;
import org.kith.node.net.PeerConnection;
import org.kith.node.net.PeerRpc;
import org.kith.node.net.RateLimiter;
import org.kith.node.net.Response;
import org.kith.node.peers.Peer;
import org.kith.node.peers.PeerService;
import org.kith.node.records.Held;
import org.kith.node.records.RecordCodec;
import org.kith.node.records.RecordStore;
import org.kith.node.search.Ranking;
import org.kith.node.search.RecordRanker;
import org.kith.node.search.RecordRanker.Scored;
import org.kith.node.sync.SyncServer;
import org.kith.protocol.Limits;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.frame.Messages;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.record.RecordId;
import org.kith.protocol.record.VerifiedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answering a paired peer's query (spec/PROTOCOL.md 6.4) only from records shared with the asker's circle,
 * and with hops 2 also from records whose author allowed reach 2. A hops-2 query is forwarded once, under
 * this node's key, so the asker's identity goes no further than its own peers.
 */
public final class Answering {
  private static final Logger LOG = LoggerFactory.getLogger(Answering.class);
  /** Queries one peer may send us per minute; beyond it, RATE_LIMITED. */
  public static final int MAX_QUERIES_PER_PEER_PER_MINUTE = 60;
  /** Queries from one peer being worked on at once, so one peer cannot fill the queue for the others. */
  public static final int MAX_QUERIES_IN_PROGRESS_PER_PEER = 4;
  /** Longest wait a query may ask of us, whatever deadline it carries. */
  public static final Duration MAX_QUERY_WAIT = Duration.ofSeconds(60);
  /** Time kept back from a relayed query's deadline to merge and answer. */
  static final long RELAY_MARGIN_MS = 250;
  /** Peers whose query budgets are tracked at once. */
  static final int MAX_TRACKED_PEERS = 4096;

  /** Why a query is not answered at all. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private final PeerService peers;
  private final RecordStore store;
  private final RecordRanker ranker;
  private final Model model;
  private final PeerRpc rpc;
  private final SeenQueries seen;
  private final Clock clock;
  private final Executor executor;
  private final Map<PublicId, AtomicInteger> inProgress = new ConcurrentHashMap<>();
  private volatile RateLimiter.Keyed<PublicId> perMinute = limiter(MAX_QUERIES_PER_PEER_PER_MINUTE);
  private volatile int queriesPerPeerPerMinute = MAX_QUERIES_PER_PEER_PER_MINUTE;

  Answering(PeerService peers, RecordStore store, RecordRanker ranker, Model model, PeerRpc rpc, SeenQueries seen,
      Clock clock, Executor executor) {
    this.peers = peers;
    this.store = store;
    this.ranker = ranker;
    this.model = model;
    this.rpc = rpc;
    this.seen = seen;
    this.clock = clock;
    this.executor = executor;
  }

  private static RateLimiter.Keyed<PublicId> limiter(int perMinute) {
    return new RateLimiter.Keyed<>(perMinute, Duration.ofMinutes(1), perMinute, MAX_TRACKED_PEERS);
  }

  /** Lowers or raises the per-peer query budget (benchmarks ask far more often than people do). */
  void queriesPerPeerPerMinute(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("queries per minute < 1: " + n);
    }
    queriesPerPeerPerMinute = n;
    perMinute = limiter(n);
  }

  void register(Dispatcher d) {
    d.onRequest(FrameType.QUERY, Dispatcher.Audience.PAIRED, this::onQuery);
  }

  private CompletableFuture<Response> onQuery(PeerConnection from, Frame request) {
    Query q;
    try {
      q = Messages.query(request);
    } catch (FrameException e) {
      return CompletableFuture.failedFuture(e);
    }
    PublicId who = from.remote();
    String refused = admit(who);
    if (refused != null) {
      return CompletableFuture.failedFuture(new ErrorFrameException(ErrorCode.RATE_LIMITED, refused));
    }
    CompletableFuture<Response> result;
    try {
      result = CompletableFuture.supplyAsync(() -> {
        try {
          return answer(who, q);
        } catch (Refused e) {
          throw new CompletionException(new ErrorFrameException(ErrorCode.DEADLINE_EXCEEDED, e.getMessage()));
        } catch (KithException e) {
          LOG.warn("answering a query failed locally ({})", e.getClass().getSimpleName());
          throw new CompletionException(new ErrorFrameException(ErrorCode.INTERNAL, "try again later"));
        }
      }, executor).thenCompose(f -> f).thenApply(a -> new Response(FrameType.ANSWER, a));
    } catch (RejectedExecutionException e) {
      done(who);
      return CompletableFuture.failedFuture(new ErrorFrameException(ErrorCode.RATE_LIMITED, "busy; retry shortly"));
    }
    result.whenComplete((r, e) -> done(who));
    return result;
  }

  /** Takes one query from {@code from} into work, or says why not: null when admitted (call {@link #done}). */
  String admit(PublicId from) {
    AtomicInteger n = inProgress.computeIfAbsent(from, k -> new AtomicInteger());
    if (n.incrementAndGet() > MAX_QUERIES_IN_PROGRESS_PER_PEER) {
      n.decrementAndGet();
      return "more than " + MAX_QUERIES_IN_PROGRESS_PER_PEER + " queries at once";
    }
    if (!perMinute.tryTake(from, clock.millis())) {
      n.decrementAndGet();
      return "more than " + queriesPerPeerPerMinute + " queries a minute";
    }
    return null;
  }

  void done(PublicId from) {
    AtomicInteger n = inProgress.get(from);
    if (n != null) {
      n.decrementAndGet();
    }
  }

  /**
   * The answer to a query from a paired peer. Runs the local search on the calling thread; a hops-2 query
   * is forwarded and the returned future completes when the relayed answers are in or the deadline nears.
   */
  CompletableFuture<Answer> answer(PublicId from, Query q) throws Refused, KithException {
    long now = clock.millis();
    long deadline = Math.min(q.getDeadlineUnixMs(), now + MAX_QUERY_WAIT.toMillis());
    if (q.getDeadlineUnixMs() <= now) {
      throw new Refused("the query's deadline has passed");
    }
    Answer empty = Answer.newBuilder().setQueryId(q.getQueryId()).build();
    if (!seen.markSeen(q.getQueryId(), deadline, now)) {
      return CompletableFuture.completedFuture(empty);
    }
    Optional<Peer> asker = peers.book().get(from).filter(Peer::paired);
    if (asker.isEmpty()) {
      return CompletableFuture.completedFuture(empty);
    }
    String circle = asker.get().circle();
    int k = q.getK();
    float[] qv = model.embed(q.getText());
    List<Held> candidates = new ArrayList<>(store.own(false).stream()
        .filter(h -> h.record.record().getAudience().equals(circle)).toList());
    if (q.getHops() >= 2) {
      // Records of our own peers whose authors allowed one more hop; never the asker's own.
      candidates.addAll(store.peerRecords(h -> h.record.record().getReach() >= 2 && !h.author().equals(from)));
    }
    List<Scored> local = ranker.rank(candidates, q.getText(), qv, k, Ranking.HYBRID);
    long waitMs = deadline - RELAY_MARGIN_MS - now;
    if (q.getHops() < 2 || waitMs <= 0) {
      return CompletableFuture.completedFuture(build(q, signed(local), q.getHops() >= 2));
    }
    Query forward = q.toBuilder().setHops(1).setDeadlineUnixMs(deadline - RELAY_MARGIN_MS).build();
    List<PublicId> targets = peers.connectedPeers().stream().filter(p -> !p.equals(from))
        .limit(Limits.MAX_QUERY_FANOUT).toList();
    List<CompletableFuture<Answer>> futures = new ArrayList<>();
    for (PublicId t : targets) {
      futures.add(Asking.query(rpc, t, forward, Duration.ofMillis(waitMs)));
    }
    return CompletableFuture.allOf(futures.stream().map(f -> f.handle((a, e) -> null)).toArray(CompletableFuture[]::new))
        .thenApplyAsync(ignored -> merge(q, from, qv, local, targets, futures), executor);
  }

  private Answer merge(Query q, PublicId from, float[] qv, List<Scored> local, List<PublicId> targets,
      List<CompletableFuture<Answer>> futures) {
    boolean partial = false;
    List<Held> relayed = new ArrayList<>();
    long at = clock.millis();
    for (int i = 0; i < futures.size(); i++) {
      Answer a = futures.get(i).getNow(null);
      if (a == null || futures.get(i).isCompletedExceptionally()) {
        partial = true;
        continue;
      }
      partial |= a.getPartial();
      for (SignedRecord sr : a.getRecordsList()) {
        VerifiedRecord v = RecordCodec.verifyOrNull(sr, at);
        // Only reach 2 goes on from a relay, and only records by the peer that answered.
        if (v != null && v.record().getReach() >= 2 && Asking.authorOf(v).equals(targets.get(i))
            && !Asking.authorOf(v).equals(from)) {
          relayed.add(new Held(v, targets.get(i)));
        }
      }
    }
    List<SignedRecord> out = new ArrayList<>();
    Set<RecordId> ids = new HashSet<>();
    try {
      List<Scored> all = new ArrayList<>(local);
      all.addAll(ranker.rank(relayed, q.getText(), qv, q.getK(), Ranking.HYBRID));
      all.sort(Comparator.comparingDouble((Scored s) -> -s.score()));
      for (Scored s : all) {
        if (out.size() < q.getK() && ids.add(s.held().record.id())) {
          out.add(s.held().record.signed());
        }
      }
    } catch (KithException e) {
      out = signed(local);
    }
    return build(q, out, partial);
  }

  private static List<SignedRecord> signed(List<Scored> scored) {
    return new ArrayList<>(scored.stream().map(s -> s.held().record.signed()).toList());
  }

  private static Answer build(Query q, List<SignedRecord> records, boolean partial) {
    Answer.Builder b = Answer.newBuilder().setQueryId(q.getQueryId()).setPartial(partial);
    int bytes = 0;
    for (SignedRecord r : records) {
      int size = r.getSerializedSize() + 8;
      if (b.getRecordsCount() >= Math.min(q.getK(), Limits.MAX_RECORDS_PER_ANSWER)
          || bytes + size > SyncServer.MAX_RESPONSE_RECORD_BYTES) {
        break;
      }
      b.addRecords(r);
      bytes += size;
    }
    return b.build();
  }
}
