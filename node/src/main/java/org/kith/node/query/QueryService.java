package org.kith.node.query;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.kith.node.KithException;
import org.kith.node.NodeServices;
import org.kith.node.PeerNetwork;
import org.kith.node.PersonalNode;
import org.kith.node.notes.TextChecks;
import org.kith.node.pairing.Peer;
import org.kith.node.share.SharedRecords;
import org.kith.node.share.SharedRecords.Held;
import org.kith.node.share.SharedRecords.Scored;
import org.kith.protocol.Limits;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.record.RecordException;
import org.kith.protocol.record.RecordId;
import org.kith.protocol.record.RecordVerifier;
import org.kith.protocol.record.VerifiedRecord;

/**
 * Asking and answering (spec/PROTOCOL.md section 6.4). A peer answers only from records shared with the
 * asker's circle, and with hops 2 also from records whose author allowed reach 2; it forwards a hops-2 query
 * once, under its own key, so the asker's identity goes no further than its own peers. The asker verifies
 * every record, drops expired and retracted ones, scores each with its own model and dedupes by record id.
 */
public final class QueryService {
  /** Hops a person may ask for; 0 searches only what this node already holds. */
  public static final int MAX_ASK_HOPS = Limits.MAX_HOPS;
  /** Queries one peer may send us per minute; beyond it, RATE_LIMITED. */
  public static final int MAX_QUERIES_PER_PEER_PER_MINUTE = 60;
  /** Queries from one peer being worked on at once, so one peer cannot fill the queue for the others. */
  public static final int MAX_QUERIES_IN_PROGRESS_PER_PEER = 4;
  /** Query ids remembered to drop loops and repeats; the oldest are forgotten first. */
  public static final int MAX_SEEN_QUERY_IDS = 4096;
  /** Longest wait a query may ask of us, whatever deadline it carries. */
  public static final Duration MAX_QUERY_WAIT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  /** A relay answers this long before the deadline it was given, so its answer reaches the asker in time. */
  static final long RELAY_MARGIN_MS = 250;

  private final NodeServices services;
  private final SecureRandom random = new SecureRandom();
  private final Map<ByteString, Long> seen = new LinkedHashMap<>();
  private final Map<PublicId, long[]> perMinute = new ConcurrentHashMap<>();
  private final Map<PublicId, AtomicInteger> inProgress = new ConcurrentHashMap<>();

  private volatile int queriesPerPeerPerMinute = MAX_QUERIES_PER_PEER_PER_MINUTE;

  public QueryService(NodeServices services) {
    this.services = services;
  }

  /** Lowers or raises the per-peer query budget (benchmarks ask far more often than people do). */
  public void queriesPerPeerPerMinute(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("queries per minute < 1: " + n);
    }
    queriesPerPeerPerMinute = n;
  }

  private SharedRecords records() {
    return services.records();
  }

  // ---- answering

  /**
   * Takes one query from {@code from} into work, or says why not: null when admitted (call {@link #done}
   * afterwards), else the refusal to send as {@code RATE_LIMITED}.
   */
  public String admit(PublicId from) {
    long now = services.clock().millis();
    long[] w = perMinute.computeIfAbsent(from, k -> new long[2]);
    synchronized (w) {
      if (now - w[0] >= 60_000) {
        w[0] = now;
        w[1] = 0;
      }
      if (w[1] >= queriesPerPeerPerMinute) {
        return "more than " + queriesPerPeerPerMinute + " queries a minute";
      }
      AtomicInteger n = inProgress.computeIfAbsent(from, k -> new AtomicInteger());
      if (n.incrementAndGet() > MAX_QUERIES_IN_PROGRESS_PER_PEER) {
        n.decrementAndGet();
        return "more than " + MAX_QUERIES_IN_PROGRESS_PER_PEER + " queries at once";
      }
      w[1]++;
      return null;
    }
  }

  public void done(PublicId from) {
    AtomicInteger n = inProgress.get(from);
    if (n != null) {
      n.decrementAndGet();
    }
  }

  /** Why a query is not answered at all. */
  public static final class Refused extends Exception {
    public final boolean deadlinePassed;

    Refused(String message, boolean deadlinePassed) {
      super(message, null, false, false);
      this.deadlinePassed = deadlinePassed;
    }
  }

  /**
   * The answer to a query from a paired peer. Runs the local search on the calling thread; a hops-2 query
   * is forwarded and the returned future completes when the relayed answers are in or the deadline nears.
   */
  public CompletableFuture<Answer> answer(PublicId from, Query q, Executor executor) throws Refused, KithException {
    long now = services.clock().millis();
    long deadline = Math.min(q.getDeadlineUnixMs(), now + MAX_QUERY_WAIT.toMillis());
    if (q.getDeadlineUnixMs() <= now) {
      throw new Refused("the query's deadline has passed", true);
    }
    Answer.Builder empty = Answer.newBuilder().setQueryId(q.getQueryId());
    if (!markSeen(q.getQueryId(), deadline)) {
      return CompletableFuture.completedFuture(empty.build());
    }
    Optional<Peer> asker = services.peers().get(from).filter(Peer::paired);
    if (asker.isEmpty()) {
      return CompletableFuture.completedFuture(empty.build());
    }
    String circle = asker.get().circle();
    int k = q.getK();
    float[] qv = services.node().embed(List.of(q.getText())).get(0);
    List<Held> candidates = new ArrayList<>(records().own(false).stream()
        .filter(h -> h.record.record().getAudience().equals(circle)).toList());
    if (q.getHops() >= 2) {
      // Records of our own peers whose authors allowed one more hop; never the asker's own.
      candidates.addAll(records().peerRecords(h -> h.record.record().getReach() >= 2 && !h.author().equals(from)));
    }
    List<Scored> local = records().rank(candidates, qv, k);
    if (q.getHops() < 2 || services.network() == null) {
      return CompletableFuture.completedFuture(build(q, local.stream().map(s -> s.held().record.signed()).toList(),
          false));
    }
    Query forward = q.toBuilder().setHops(1).setDeadlineUnixMs(deadline - RELAY_MARGIN_MS).build();
    long waitMs = deadline - RELAY_MARGIN_MS - now;
    if (waitMs <= 0) {
      return CompletableFuture.completedFuture(build(q, local.stream().map(s -> s.held().record.signed()).toList(),
          true));
    }
    PeerNetwork net = services.network();
    List<PublicId> targets = net.connectedPeers().stream().filter(p -> !p.equals(from))
        .filter(p -> services.peers().isPaired(p)).limit(Limits.MAX_QUERY_FANOUT).toList();
    List<CompletableFuture<Answer>> futures = new ArrayList<>();
    for (PublicId t : targets) {
      futures.add(net.query(t, forward, Duration.ofMillis(waitMs)));
    }
    return CompletableFuture.allOf(futures.stream().map(f -> f.handle((a, e) -> null)).toArray(CompletableFuture[]::new))
        .thenApplyAsync(ignored -> {
          boolean partial = false;
          List<Held> relayed = new ArrayList<>();
          long at = services.clock().millis();
          for (int i = 0; i < futures.size(); i++) {
            Answer a = futures.get(i).getNow(null);
            if (a == null || futures.get(i).isCompletedExceptionally()) {
              partial = true;
              continue;
            }
            partial |= a.getPartial();
            for (SignedRecord sr : a.getRecordsList()) {
              VerifiedRecord v = verify(sr, at);
              // Only reach 2 goes on from a relay, and only records by the peer that answered.
              if (v != null && v.record().getReach() >= 2 && authorOf(v).equals(targets.get(i))
                  && !authorOf(v).equals(from)) {
                relayed.add(SharedRecords.transientHeld(v, targets.get(i)));
              }
            }
          }
          List<SignedRecord> out = new ArrayList<>();
          Map<RecordId, Boolean> ids = new HashMap<>();
          try {
            List<Scored> all = new ArrayList<>(local);
            all.addAll(records().rank(relayed, qv, k));
            all.sort(Comparator.comparingDouble((Scored s) -> -s.score()));
            for (Scored s : all) {
              if (out.size() < k && ids.put(s.held().record.id(), true) == null) {
                out.add(s.held().record.signed());
              }
            }
          } catch (KithException e) {
            local.forEach(s -> out.add(s.held().record.signed()));
          }
          return build(q, out, partial);
        }, executor);
  }

  private static Answer build(Query q, List<SignedRecord> records, boolean partial) {
    Answer.Builder b = Answer.newBuilder().setQueryId(q.getQueryId()).setPartial(partial);
    int bytes = 0;
    for (SignedRecord r : records) {
      int size = r.getSerializedSize() + 8;
      if (b.getRecordsCount() >= Math.min(q.getK(), Limits.MAX_RECORDS_PER_ANSWER)
          || bytes + size > SharedRecords.MAX_RESPONSE_RECORD_BYTES) {
        break;
      }
      b.addRecords(r);
      bytes += size;
    }
    return b.build();
  }

  /** Remembers a query id until its deadline; false if it was seen already. */
  private synchronized boolean markSeen(ByteString id, long deadline) {
    long now = services.clock().millis();
    for (Iterator<Map.Entry<ByteString, Long>> it = seen.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<ByteString, Long> e = it.next();
      if (e.getValue() < now || seen.size() >= MAX_SEEN_QUERY_IDS) {
        it.remove();
      } else {
        break;
      }
    }
    if (seen.containsKey(id)) {
      return false;
    }
    seen.put(id, deadline);
    return true;
  }

  // ---- asking

  /** One result of {@link #ask}, with where it came from. */
  public record Item(String id, String kind, String title, String snippet, String author, List<String> path,
      long createdAtMillis, float score, boolean local) {}

  /** A peer that was asked and did not answer, and why. */
  public record Silent(String petname, String reason) {}

  public record AskResult(List<Item> items, int asked, int answered, List<Silent> silent, int rejected) {}

  public AskResult ask(String question, int k, int hops, Duration timeout) throws KithException {
    TextChecks.requireWellFormed("question", question, "nothing was asked");
    String text = question == null ? "" : question.strip();
    if (text.isEmpty()) {
      throw KithException.badInput("the question is empty");
    }
    if (text.getBytes(StandardCharsets.UTF_8).length > Limits.MAX_QUERY_TEXT_BYTES) {
      throw KithException.badInput("a question is limited to " + Limits.MAX_QUERY_TEXT_BYTES + " bytes");
    }
    if (k < 1 || k > Limits.MAX_RECORDS_PER_ANSWER) {
      throw KithException.badInput("-k must be between 1 and " + Limits.MAX_RECORDS_PER_ANSWER + ": " + k);
    }
    if (hops < 0 || hops > MAX_ASK_HOPS) {
      throw KithException.badInput("--hops is 0, 1 or 2: " + hops);
    }
    if (timeout.toMillis() < 100 || timeout.compareTo(MAX_QUERY_WAIT) > 0) {
      throw KithException.badInput("--timeout must be between 100ms and " + MAX_QUERY_WAIT.toSeconds() + "s");
    }
    PersonalNode node = services.node();
    float[] qv = node.embed(List.of(text)).get(0);
    List<Item> items = new ArrayList<>();
    for (PersonalNode.SearchHit h : node.searchVector(qv, k)) {
      items.add(new Item(h.note().id().hex(), "note", h.note().title(), snippetOf(h.note().text()), "you",
          List.of("your vault"), h.note().createdAtMillis(), h.score(), true));
    }
    for (Scored s : records().rank(records().peerRecords(h -> true), qv, k)) {
      items.add(item(s.held().record, s.score(), s.held().from, true));
    }
    int asked = 0;
    int answered = 0;
    int rejected = 0;
    List<Silent> silent = new ArrayList<>();
    PeerNetwork net = services.network();
    if (hops >= 1 && net != null) {
      List<Peer> peers = services.peers().paired().stream().limit(Limits.MAX_QUERY_FANOUT).toList();
      byte[] qid = new byte[16];
      random.nextBytes(qid);
      long deadline = services.clock().millis() + timeout.toMillis();
      Query q = Query.newBuilder().setQueryId(ByteString.copyFrom(qid)).setText(text).setHops(hops).setK(k)
          .setDeadlineUnixMs(deadline).build();
      markSeen(q.getQueryId(), deadline);
      Map<Peer, CompletableFuture<Answer>> pending = new LinkedHashMap<>();
      for (Peer p : peers) {
        asked++;
        if (!net.isConnected(p.id())) {
          silent.add(new Silent(p.petname(), "offline"));
          continue;
        }
        pending.put(p, net.query(p.id(), q, timeout));
      }
      long waitUntil = System.nanoTime() + timeout.toNanos() + 200_000_000L;
      long now = services.clock().millis();
      for (Map.Entry<Peer, CompletableFuture<Answer>> e : pending.entrySet()) {
        Answer a;
        try {
          a = e.getValue().get(Math.max(1, waitUntil - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException ex) {
          silent.add(new Silent(e.getKey().petname(), "no answer within " + timeout.toMillis() + " ms"));
          continue;
        } catch (ExecutionException ex) {
          silent.add(new Silent(e.getKey().petname(), describe(ex.getCause())));
          continue;
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          break;
        }
        if (!a.getQueryId().equals(q.getQueryId())) {
          silent.add(new Silent(e.getKey().petname(), "answered another query"));
          continue;
        }
        answered++;
        List<Held> got = new ArrayList<>();
        PublicId via = e.getKey().id();
        for (SignedRecord sr : a.getRecordsList()) {
          VerifiedRecord v = verify(sr, now);
          if (v == null) {
            rejected++;
            continue;
          }
          PublicId author = authorOf(v);
          if (author.equals(node.id()) || v.kind() == RecordKind.RETRACT || records().isRetracted(v)) {
            continue;
          }
          if (!author.equals(via) && (hops < 2 || v.record().getReach() < 2)) {
            // Someone else's record that its author did not allow this far: the peer broke the hop rules.
            rejected++;
            continue;
          }
          got.add(SharedRecords.transientHeld(v, via));
        }
        for (Scored s : records().rank(got, qv, k)) {
          items.add(item(s.held().record, s.score(), via, false));
        }
      }
    }
    // Dedupe by record id, keeping the best-scored copy and preferring a direct path on a tie.
    Map<String, Item> best = new LinkedHashMap<>();
    for (Item it : items) {
      Item prev = best.get(it.id());
      if (prev == null || it.path().size() < prev.path().size()
          || it.path().size() == prev.path().size() && it.score() > prev.score()) {
        best.put(it.id(), it);
      }
    }
    List<Item> out = new ArrayList<>(best.values());
    out.sort(Comparator.comparingDouble((Item i) -> -i.score()));
    if (out.size() > k) {
      out = new ArrayList<>(out.subList(0, k));
    }
    return new AskResult(out, asked, answered, silent, rejected);
  }

  private Item item(VerifiedRecord v, float score, PublicId via, boolean synced) {
    PublicId author = authorOf(v);
    String viaName = via == null ? "?" : services.peers().get(via).map(Peer::petname).orElse("a peer");
    Optional<Peer> authorPeer = services.peers().get(author).filter(Peer::paired);
    String authorName = authorPeer.map(Peer::petname).orElse("someone " + viaName + " knows");
    List<String> path;
    if (author.equals(via)) {
      path = List.of(synced ? authorName + " (synced)" : authorName);
    } else {
      path = List.of(viaName, authorName);
    }
    return new Item(v.id().hex(), kindName(v.kind()), SharedRecords.title(v), SharedRecords.snippet(v), authorName,
        path, v.record().getCreatedAtMs(), score, synced);
  }

  public static String kindName(RecordKind k) {
    return k.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String snippetOf(String text) {
    String t = text.replaceAll("(?m)^#+\\s*", "").replaceAll("\\s+", " ").strip();
    return t.length() <= 200 ? t : t.substring(0, 199) + "…";
  }

  private static String describe(Throwable t) {
    String n = t == null ? "" : t.getClass().getSimpleName();
    if (n.contains("Timeout")) {
      return "no answer in time";
    }
    if (n.contains("Closed")) {
      return "connection closed";
    }
    if (t instanceof org.kith.node.net.ErrorFrameException ef) {
      return "refused (" + ef.code() + ")";
    }
    return "failed";
  }

  static PublicId authorOf(VerifiedRecord v) {
    return PublicId.ofKey(v.record().getAuthor().toByteArray());
  }

  private static VerifiedRecord verify(SignedRecord sr, long now) {
    try {
      return RecordVerifier.verify(sr, now);
    } catch (RecordException e) {
      return null;
    }
  }
}
