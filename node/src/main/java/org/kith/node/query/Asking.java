package org.kith.node.query;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.kith.node.base.KithException;
import org.kith.node.identity.Identity;
import org.kith.node.model.Model;
import org.kith.node.net.ErrorFrameException;
import org.kith.node.net.PeerConnection;
import org.kith.node.net.PeerRpc;
import org.kith.node.notes.TextChecks;
import org.kith.node.peers.Peer;
import org.kith.node.peers.PeerService;
import org.kith.node.records.Held;
import org.kith.node.records.RecordCodec;
import org.kith.node.records.RecordStore;
import org.kith.node.records.RecordText;
import org.kith.node.search.NoteSearch;
import org.kith.node.search.QueryTerms;
import org.kith.node.search.Ranking;
import org.kith.node.search.Snippets;
import org.kith.node.search.RecordRanker;
import org.kith.node.search.RecordRanker.Scored;
import org.kith.protocol.Limits;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.frame.Messages;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.record.VerifiedRecord;

/**
 * The journey "ask": the question is embedded once, matched to your own notes and to what peers synced to
 * you, and sent live to each paired peer. Every record that comes back is verified, expired and retracted
 * ones are dropped, each is scored with your own model, and results are deduped by record id with their path.
 */
public final class Asking {
  /** Hops a person may ask for; 0 searches only what this node already holds. */
  public static final int MAX_ASK_HOPS = Limits.MAX_HOPS;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  /** How answers are scored and cut, on this node, for its own notes and for every record it is sent. */
  static final Ranking RANKING = Ranking.HYBRID;
  private static final String PROFILE = RecordText.kindName(RecordKind.PROFILE);
  /** Extra wait past the timeout for answers already on the wire. */
  static final Duration GRACE = Duration.ofMillis(200);

  /**
   * One result, with where it came from. {@code snippet} is the passage that matched, {@code highlights} where
   * the question's words stand in it.
   */
  public record Item(String id, String kind, String title, String snippet, List<Snippets.Range> highlights,
      String author, List<String> path, long createdAtMillis, float score, boolean local) {
    public Item {
      highlights = List.copyOf(highlights);
    }
  }

  /** A peer that was asked and did not answer, and why. */
  public record Silent(String petname, String reason) {}

  /** {@code noGoodAnswer}: something was searched, but nothing passed the cut-off ({@link Ranking}). */
  public record AskResult(List<Item> items, int asked, int answered, List<Silent> silent, int rejected,
      boolean noGoodAnswer) {}

  private final Identity identity;
  private final Model model;
  private final NoteSearch notes;
  private final RecordStore store;
  private final RecordRanker ranker;
  private final PeerService peers;
  private final PeerRpc rpc;
  private final SeenQueries seen;
  private final Clock clock;
  private final BooleanSupplier online;
  private final SecureRandom random = new SecureRandom();

  Asking(Identity identity, Model model, NoteSearch notes, RecordStore store, RecordRanker ranker, PeerService peers,
      PeerRpc rpc, SeenQueries seen, Clock clock, BooleanSupplier online) {
    this.online = online;
    this.identity = identity;
    this.model = model;
    this.notes = notes;
    this.store = store;
    this.ranker = ranker;
    this.peers = peers;
    this.rpc = rpc;
    this.seen = seen;
    this.clock = clock;
  }

  /** Sends a query to a connected peer; fails when it is not connected or does not answer in time. */
  static CompletableFuture<Answer> query(PeerRpc rpc, PublicId peer, Query q, Duration timeout) {
    Optional<PeerConnection> c = rpc.connection(peer).filter(PeerConnection::isOpen);
    if (c.isEmpty()) {
      return CompletableFuture.failedFuture(new java.net.ConnectException("not connected"));
    }
    return c.get().request(FrameType.QUERY, q, timeout).thenApply(frame -> {
      try {
        return Messages.answer(frame);
      } catch (FrameException e) {
        throw new CompletionException(e);
      }
    });
  }

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
    if (timeout.toMillis() < 100 || timeout.compareTo(Answering.MAX_QUERY_WAIT) > 0) {
      throw KithException.badInput("--timeout must be between 100ms and " + Answering.MAX_QUERY_WAIT.toSeconds() + "s");
    }
    float[] qv = model.embed(text);
    QueryTerms terms = QueryTerms.of(text);
    List<Item> items = new ArrayList<>();
    boolean[] searched = {false};
    NoteSearch.Result own = notes.search(text, qv, k, RANKING);
    searched[0] = own.noGoodAnswer() || !own.matches().isEmpty();
    for (NoteSearch.Match m : own.matches()) {
      items.add(new Item(m.note().id().hex(), "note", m.note().title(), m.passage().text(),
          m.passage().highlights(), "you", List.of("your vault"), m.note().createdAtMillis(), m.score(), true));
    }
    for (Scored s : good(ranker.rank(store.peerRecords(h -> true), text, qv, k, RANKING), searched)) {
      items.add(item(s.held().record, s.score(), s.held().from, true, terms));
    }
    int asked = 0;
    int answered = 0;
    int rejected = 0;
    List<Silent> silent = new ArrayList<>();
    // A command that opened the vault itself (no node running) holds no connections: it asks nobody.
    if (hops >= 1 && online.getAsBoolean()) {
      List<Peer> targets = peers.book().paired().stream().limit(Limits.MAX_QUERY_FANOUT).toList();
      byte[] qid = new byte[16];
      random.nextBytes(qid);
      long deadline = clock.millis() + timeout.toMillis();
      Query q = Query.newBuilder().setQueryId(ByteString.copyFrom(qid)).setText(text).setHops(hops).setK(k)
          .setDeadlineUnixMs(deadline).build();
      seen.markSeen(q.getQueryId(), deadline, clock.millis());
      Map<Peer, CompletableFuture<Answer>> pending = new LinkedHashMap<>();
      for (Peer p : targets) {
        asked++;
        if (!rpc.isConnected(p.id())) {
          silent.add(new Silent(p.petname(), "offline"));
          continue;
        }
        pending.put(p, query(rpc, p.id(), q, timeout));
      }
      // Each request carries its own timeout (the transport fails it then); this wait is only a backstop.
      CompletableFuture<?> all = CompletableFuture.allOf(pending.values().stream()
          .map(f -> f.handle((a, e) -> null)).toArray(CompletableFuture[]::new));
      try {
        all.get(timeout.plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // Reported per peer below.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      long now = clock.millis();
      for (Map.Entry<Peer, CompletableFuture<Answer>> e : pending.entrySet()) {
        CompletableFuture<Answer> f = e.getValue();
        if (!f.isDone()) {
          silent.add(new Silent(e.getKey().petname(), "no answer within " + timeout.toMillis() + " ms"));
          continue;
        }
        Answer a;
        try {
          a = f.getNow(null);
        } catch (CompletionException ex) {
          silent.add(new Silent(e.getKey().petname(), describe(ex.getCause())));
          continue;
        } catch (java.util.concurrent.CancellationException ex) {
          silent.add(new Silent(e.getKey().petname(), "failed"));
          continue;
        }
        if (!a.getQueryId().equals(q.getQueryId())) {
          silent.add(new Silent(e.getKey().petname(), "answered another query"));
          continue;
        }
        answered++;
        List<Held> got = new ArrayList<>();
        PublicId via = e.getKey().id();
        for (SignedRecord sr : a.getRecordsList()) {
          VerifiedRecord v = RecordCodec.verifyOrNull(sr, now);
          if (v == null) {
            rejected++;
            continue;
          }
          PublicId author = authorOf(v);
          if (author.equals(identity.id()) || v.kind() == RecordKind.RETRACT || store.isRetracted(v)) {
            continue;
          }
          if (!author.equals(via) && (hops < 2 || v.record().getReach() < 2)) {
            // Someone else's record that its author did not allow this far: the peer broke the hop rules.
            rejected++;
            continue;
          }
          got.add(new Held(v, via));
        }
        for (Scored s : good(ranker.rank(got, text, qv, k, RANKING), searched)) {
          items.add(item(s.held().record, s.score(), via, false, terms));
        }
      }
    }
    List<Item> best = best(items, k);
    return new AskResult(best, asked, answered, silent, rejected, best.isEmpty() && searched[0]);
  }

  /** Those that pass the cut-off; notes in {@code searched} whether there was anything to cut. */
  private static List<Scored> good(List<Scored> ranked, boolean[] searched) {
    searched[0] |= !ranked.isEmpty();
    return ranked.stream().filter(s -> RANKING.good(s.score())).toList();
  }

  /**
   * Dedupes by record id, keeping the best-scored copy and preferring a direct path on a tie; best k first.
   * A topic profile only says that someone knows about a topic, and its centroid (the mean of many notes)
   * can sit nearer a question than the one note that answers it: so answers come first, then profiles.
   */
  private static List<Item> best(List<Item> items, int k) {
    Map<String, Item> best = new LinkedHashMap<>();
    for (Item it : items) {
      Item prev = best.get(it.id());
      if (prev == null || it.path().size() < prev.path().size()
          || it.path().size() == prev.path().size() && it.score() > prev.score()) {
        best.put(it.id(), it);
      }
    }
    List<Item> out = new ArrayList<>(best.values());
    out.sort(Comparator.comparing((Item i) -> i.kind().equals(PROFILE)).thenComparingDouble(i -> -i.score()));
    return out.size() > k ? new ArrayList<>(out.subList(0, k)) : out;
  }

  private Item item(VerifiedRecord v, float score, PublicId via, boolean synced, QueryTerms terms) {
    PublicId author = authorOf(v);
    String viaName = via == null ? "?" : peers.book().get(via).map(Peer::petname).orElse("a peer");
    Optional<Peer> authorPeer = peers.book().get(author).filter(Peer::paired);
    String authorName = authorPeer.map(Peer::petname).orElse("someone " + viaName + " knows");
    List<String> path = author.equals(via) ? List.of(synced ? authorName + " (synced)" : authorName)
        : List.of(viaName, authorName);
    Snippets.Passage p = v.kind() == RecordKind.PROFILE || v.kind() == RecordKind.RETRACT
        ? new Snippets.Passage(RecordText.snippet(v), Snippets.highlights(RecordText.snippet(v), terms))
        : Snippets.best(RecordText.body(v), RecordText.title(v), terms, Map.of());
    return new Item(v.id().hex(), RecordText.kindName(v.kind()), RecordText.title(v), p.text(), p.highlights(),
        authorName, path, v.record().getCreatedAtMs(), score, synced);
  }

  private static String describe(Throwable t) {
    String n = t == null ? "" : t.getClass().getSimpleName();
    if (n.contains("Timeout")) {
      return "no answer in time";
    }
    if (n.contains("Closed")) {
      return "connection closed";
    }
    if (t instanceof ErrorFrameException ef) {
      return "refused (" + ef.code() + ")";
    }
    return "failed";
  }

  static PublicId authorOf(VerifiedRecord v) {
    return PublicId.ofKey(v.record().getAuthor().toByteArray());
  }
}
