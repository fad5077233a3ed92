package org.kith.bench.ask;

import org.kith.node.app.KithNode;
import org.kith.node.model.EmbedderSource;
import org.kith.node.records.RecordStore;
import org.kith.node.sync.SyncService;
import org.kith.node.query.Asking;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.kith.bench.Benchmark;
import org.kith.bench.Report;
import org.kith.node.base.Home;
import org.kith.node.peers.ListenConfig;
import org.kith.node.model.Embedder;
import org.kith.node.model.MiniLmEmbedder;
import org.kith.node.model.ModelId;
import org.kith.node.net.TransportConfig;
import org.kith.node.query.QueryService;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;
import org.kith.protocol.record.RecordVerifier;

/**
 * Asking and syncing between real nodes in one process over loopback (real vaults, Secret Handshake,
 * box-stream, frames).
 *
 * <p><b>ask</b>: p50/p95 of {@code QueryService.ask} at hops 1 and 2 with 10 and 50 peers (quick: 10 only),
 * with the MiniLM model on every node ("model": the asker embeds the question and re-scores answers, each
 * peer embeds the question) and with a hashing stand-in ("nomodel"), so the cost of the embedding shows
 * apart from the network. Topology for N peers: the asker is paired with N/5 peers, each of which is paired
 * with 4 more, so hops 2 reaches all N. Every peer shares 20 reach-2 records with its circle.
 *
 * <p><b>sync</b>: one peer's signed records pulled, verified and stored (sealed, fsynced per batch) per
 * second, beside {@code RecordVerifier.verify} alone on the same records in the same run. The transport's
 * per-peer request rate is raised for this run: at the protocol default (10 requests/s, 100 records per batch)
 * sustained sync is capped at 1,000 records/s per peer by design, whatever the pipeline can do.
 */
public final class AskBenchmark implements Benchmark {
  static final char[] PASS = "bench passphrase".toCharArray();
  static final int RECORDS_PER_PEER = 20;
  static final String[] TOPICS = {"bicycle repair tyre puncture", "garden tomatoes compost soil",
    "childcare babysitting evenings", "lend ladder drill tools", "sourdough bread baking", "sewing mending clothes"};

  @Override
  public String name() {
    return "ask";
  }

  /** A node of the benchmark. */
  static final class Node implements AutoCloseable {
    final KithNode node;

    Node(Path root, String name, EmbedderSource model, TransportConfig config) throws Exception {
      Home home = new Home(root.resolve(name));
      // No auto sync: it pulls periodically and on every new connection, and the sync figures must time only
      // the pulls this benchmark starts. Pairing keeps the connections up.
      KithNode.Options o = KithNode.Options.of(model).withTransport(config).withoutAutoSync();
      KithNode.init(home, PASS, name, o).close();
      node = KithNode.open(home, PASS, o);
      node.start(new ListenConfig("127.0.0.1", 0));
      node.queries().queriesPerPeerPerMinute(1_000_000);
    }

    @Override
    public void close() {
      node.close();
    }
  }

  static TransportConfig config() {
    return TransportConfig.defaults().withRequestLimits(64, 100_000, 100_000)
        .withReconnect(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  static void pair(Node inviter, Node invitee) throws Exception {
    String code = inviter.node.pairing().invite("neighbours", Duration.ofMinutes(10), 1).text();
    invitee.node.pairing().pair(code, null, Duration.ofSeconds(10), true);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!(inviter.node.peers().connectedPeers().contains(invitee.node.id())
        && invitee.node.peers().connectedPeers().contains(inviter.node.id()))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("benchmark nodes did not connect");
      }
      Thread.sleep(5);
    }
  }

  @Override
  public void run(boolean quick, Report report) throws Exception {
    Path scratch = Files.createTempDirectory(Path.of(System.getProperty("kith.bench.scratch",
        System.getProperty("java.io.tmpdir"))), "ask");
    try (Embedder model = MiniLmEmbedder.load(scratch.resolve("cache"))) {
      sync(scratch.resolve("sync"), quick, report);
      for (int peers : quick ? new int[] {10} : new int[] {10, 50}) {
        Switch embedder = new Switch(model);
        ask(scratch.resolve("ask-" + peers), peers, embedder, quick, report);
      }
    } finally {
      delete(scratch);
    }
  }

  void ask(Path root, int n, Switch embedder, boolean quick, Report report) throws Exception {
    EmbedderSource source = d -> embedder;
    List<Node> nodes = new ArrayList<>();
    try {
      Node asker = new Node(root, "asker", source, config());
      nodes.add(asker);
      int direct = Math.max(1, n / 5);
      for (int d = 0; d < direct; d++) {
        Node mid = new Node(root, "p" + d, source, config());
        nodes.add(mid);
        pair(mid, asker);
        for (int l = 0; l < 4 && nodes.size() - 1 < n; l++) {
          Node leaf = new Node(root, "p" + d + "-" + l, source, config());
          nodes.add(leaf);
          pair(leaf, mid);
        }
      }
      for (int i = 1; i < nodes.size(); i++) {
        KithNode peerNode = nodes.get(i).node;
        for (int r = 0; r < RECORDS_PER_PEER; r++) {
          String text = "note " + r + " of peer " + i + " about " + TOPICS[(i + r) % TOPICS.length];
          peerNode.sharing().offer(RecordKind.OFFER, text, "neighbours", Duration.ofDays(30));
        }
        peerNode.ranker().ensureVectors(peerNode.records().own(false));
      }
      int asks = quick ? 15 : 100;
      for (boolean withModel : new boolean[] {false, true}) {
      embedder.useModel = withModel;
      String m = withModel ? "model" : "nomodel";
      for (int hops = 1; hops <= 2; hops++) {
        QueryService q = asker.node.queries();
        for (int w = 0; w < 3; w++) {
          q.ask("who can help with " + TOPICS[w % TOPICS.length] + "?", 10, hops, Duration.ofSeconds(10));
        }
        double[] ms = new double[asks];
        int answered = 0;
        for (int i = 0; i < asks; i++) {
          String question = "who can help with " + TOPICS[i % TOPICS.length] + " number " + i + "?";
          long t0 = System.nanoTime();
          Asking.AskResult res = q.ask(question, 10, hops, Duration.ofSeconds(10));
          ms[i] = (System.nanoTime() - t0) / 1e6;
          answered += res.answered() == res.asked() ? 1 : 0;
        }
        String base = String.format(Locale.ROOT, "ask_hops%d_peers%d_%s", hops, nodes.size() - 1, m);
        report.figure(base + "_p50", Report.percentile(ms, 50), "ms");
        report.figure(base + "_p95", Report.percentile(ms, 95), "ms");
        if (answered < asks) {
          report.figure(base + "_incomplete", asks - answered, "asks");
        }
      }
      }
    } finally {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
    }
  }

  void sync(Path root, boolean quick, Report report) throws Exception {
    int count = quick ? 3_000 : RecordStore.MAX_RECORDS_PER_PEER;
    EmbedderSource source = d -> new Hashing();
    try (Node author = new Node(root, "author", source, config())) {
      for (int i = 0; i < count; i++) {
        author.node.sharing().offer(RecordKind.OFFER, "offer " + i + " of a ladder, a drill or an hour of help with "
            + TOPICS[i % TOPICS.length], "neighbours", Duration.ofDays(30));
      }
      // The same records, verified alone: the baseline.
      List<SignedRecord> all = new ArrayList<>();
      long cursor = 0;
      while (true) {
        SyncBatch b = author.node.sync().server().serve("neighbours", SyncRequest.newBuilder().setSinceCursor(cursor).setMax(100).build());
        all.addAll(b.getRecordsList());
        cursor = b.getNextCursor();
        if (!b.getMore()) {
          break;
        }
      }
      long now = System.currentTimeMillis();
      for (SignedRecord r : all.subList(0, Math.min(500, all.size()))) {
        RecordVerifier.verify(r, now);
      }
      // Alternate the two measurements so that load from elsewhere on the machine hits both; medians.
      int reps = quick ? 3 : 5;
      double[] verify = new double[reps];
      double[] synced = new double[reps];
      for (int rep = 0; rep < reps; rep++) {
        long t0 = System.nanoTime();
        for (SignedRecord r : all) {
          RecordVerifier.verify(r, now);
        }
        verify[rep] = all.size() / ((System.nanoTime() - t0) / 1e9);
        try (Node reader = new Node(root, "reader" + rep, source, config())) {
          pair(author, reader);
          long t1 = System.nanoTime();
          // One pull is bounded (MAX_SYNC_ROUNDS batches); a node pulls again at its next interval.
          for (int p = 0; p < 1 + count / (SyncService.MAX_SYNC_ROUNDS * 100)
              && reader.node.records().peerCount() < count; p++) {
            reader.node.sync().pull(author.node.id()).get(120, TimeUnit.SECONDS);
          }
          double secs = (System.nanoTime() - t1) / 1e9;
          int held = reader.node.records().peerCount();
          if (held != count) {
            throw new IllegalStateException("synced " + held + " of " + count + " records");
          }
          synced[rep] = held / secs;
        }
      }
      double verifyRate = Report.median(verify);
      double syncRate = Report.median(synced);
      report.figure("sync_records_per_s", syncRate, "records/s");
      report.figure("sync_verify_only_per_s", verifyRate, "records/s");
      report.ratio("sync_vs_verify_ratio", syncRate, verifyRate);
    }
  }

  public static void delete(Path dir) {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // scratch space
    }
  }

  /**
   * One embedder for a whole cluster that runs either the model or the hashing stand-in, so both variants are
   * measured on the same nodes (vault creation is most of the set-up time). Records embedded in one mode keep
   * their vectors in the other; only the cost is measured, not the ranking.
   */
  static final class Switch implements Embedder {
    final Embedder model;
    final Hashing hashing = new Hashing();
    volatile boolean useModel;

    Switch(Embedder model) {
      this.model = model;
    }

    Embedder now() {
      return useModel ? model : hashing;
    }

    @Override
    public int dimensions() {
      return 384;
    }

    @Override
    public ModelId modelId() {
      return hashing.modelId();
    }

    @Override
    public float[] embed(String text) throws org.kith.node.model.EmbeddingException {
      return now().embed(text);
    }

    @Override
    public List<float[]> embedBatch(List<String> texts) throws org.kith.node.model.EmbeddingException {
      return now().embedBatch(texts);
    }

    @Override
    public void close() {}
  }

  /** A stand-in embedder: words hashed into 384 buckets, normalized; costs next to nothing. */
  public static final class Hashing implements Embedder {
    @Override
    public int dimensions() {
      return 384;
    }

    @Override
    public ModelId modelId() {
      return new ModelId("bench-hashing", "0".repeat(64));
    }

    @Override
    public float[] embed(String text) {
      float[] v = new float[384];
      for (String w : text.toLowerCase(Locale.ROOT).split("\\W+")) {
        if (!w.isEmpty()) {
          v[Math.floorMod(w.hashCode(), 384)] += 1;
        }
      }
      double n = 0;
      for (float f : v) {
        n += f * f;
      }
      float inv = n == 0 ? 0 : (float) (1 / Math.sqrt(n));
      for (int i = 0; i < v.length; i++) {
        v[i] *= inv;
      }
      return v;
    }

    @Override
    public List<float[]> embedBatch(List<String> texts) {
      return texts.stream().map(this::embed).toList();
    }

    @Override
    public void close() {}
  }
}
