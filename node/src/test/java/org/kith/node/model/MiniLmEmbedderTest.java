package org.kith.node.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URL;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MiniLmEmbedderTest {
  private static final String TYRE = "How do I fix a flat bicycle tyre?";
  private static final String TUBE = "Patching an inner tube on a bike";
  private static final String BREAD = "Recipe for sourdough bread";

  /**
   * The first components of embed(TUBE), as computed by this code and by raw ONNX Runtime (see {@link
   * #djlPath_matchesRawOnnxRuntime}) on x86-64 with ORT 1.21.1. A looser tolerance than the DJL-vs-raw check:
   * ORT may pick other float kernels on other CPUs.
   */
  private static final float[] TUBE_PREFIX = {-0.007868901f, 0.05872698f, -0.012970065f, -0.07277896f};

  @TempDir static Path home;
  private static MiniLmEmbedder embedder;
  private static RecordingProxySelector proxies;
  private static ProxySelector previousProxySelector;
  private static boolean djlHomeExisted;

  @BeforeAll
  static void load() throws Exception {
    Path djlHome = Path.of(System.getProperty("user.home"), ".djl.ai");
    djlHomeExisted = Files.exists(djlHome);
    previousProxySelector = ProxySelector.getDefault();
    proxies = new RecordingProxySelector();
    ProxySelector.setDefault(proxies);
    embedder = MiniLmEmbedder.load(home.resolve("model-cache"));
  }

  @AfterAll
  static void close() {
    if (embedder != null) {
      embedder.close();
    }
    ProxySelector.setDefault(previousProxySelector);
  }

  static float cosine(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d += a[i] * b[i];
    }
    return (float) d;
  }

  static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  @Test
  void relatedSentences_scoreHigherThanUnrelated() throws Exception {
    String[][] triples = {
      {TYRE, TUBE, BREAD},
      {"Where can I borrow a ladder?", "Anyone have a stepladder I could use this weekend?",
        "The history of the Roman empire"},
      {"Offering free tomato seedlings", "Giving away young tomato plants from my garden",
        "How to configure a home network router"},
      {"Childcare swap on Saturday mornings", "Looking to trade babysitting with another parent",
        "Best practices for database indexing"},
    };
    for (String[] t : triples) {
      float[] anchor = embedder.embed(t[0]);
      float related = cosine(anchor, embedder.embed(t[1]));
      float unrelated = cosine(anchor, embedder.embed(t[2]));
      assertTrue(related > unrelated + 0.1f,
          () -> "related " + related + " vs unrelated " + unrelated + " for " + t[0]);
    }
  }

  @Test
  void vectors_are384d_unitLength() throws Exception {
    for (String s : List.of(TYRE, "", "x", "ünïcödé 😀 text", "word ".repeat(2000))) {
      float[] v = embedder.embed(s);
      assertEquals(384, v.length);
      assertEquals(1.0, norm(v), 1e-5);
    }
    assertEquals(384, embedder.dimensions());
  }

  @Test
  void batch_agreesWithSingles() throws Exception {
    List<String> texts = List.of(TYRE, TUBE, BREAD, "a", "Mutual aid: I can fix bikes on Sundays, ask me.");
    List<float[]> batch = embedder.embedBatch(texts);
    assertEquals(texts.size(), batch.size());
    for (int i = 0; i < texts.size(); i++) {
      float c = cosine(batch.get(i), embedder.embed(texts.get(i)));
      // Not 0.999: the quantized model quantizes activations per tensor (DynamicQuantizeLinear), so the
      // other texts of a batch shift each text's quantization scale. Identical batch mates agree exactly
      // (see batchOfIdenticalTexts_matchesSingleExactly); mixed ones agree to about 0.99.
      assertTrue(c > 0.985f, "text " + i + ": cosine " + c);
    }
  }

  @Test
  void batchOfIdenticalTexts_matchesSingleExactly() throws Exception {
    float[] single = embedder.embed(TUBE);
    for (float[] v : embedder.embedBatch(List.of(TUBE, TUBE, TUBE))) {
      assertTrue(cosine(single, v) > 0.9999f);
    }
  }

  @Test
  void batchLongerThanMaxBatch_keepsOrder() throws Exception {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < MiniLmEmbedder.MAX_BATCH + 5; i++) {
      texts.add(i % 2 == 0 ? TYRE : BREAD);
    }
    List<float[]> out = embedder.embedBatch(texts);
    assertEquals(texts.size(), out.size());
    float[] tyre = embedder.embed(TYRE);
    for (int i = 0; i < out.size(); i++) {
      float c = cosine(tyre, out.get(i));
      assertEquals(i % 2 == 0, c > 0.9f, "position " + i + " cosine " + c);
    }
    assertEquals(List.of(), embedder.embedBatch(List.of()));
  }

  @Test
  void modelId_isStable_andIsTheHashOfTheWeights() throws Exception {
    ModelId id = embedder.modelId();
    assertEquals("all-MiniLM-L6-v2-q", id.name());
    assertEquals(MiniLmEmbedder.MODEL_SHA256, id.weightsSha256());
    Path onnx = home.resolve("model-cache/model/" + MiniLmEmbedder.MODEL_RESOURCE);
    assertEquals(id.weightsSha256(), MiniLmEmbedder.sha256(onnx));
    try (MiniLmEmbedder again = MiniLmEmbedder.load(home.resolve("model-cache"))) {
      assertEquals(id, again.modelId());
    }
  }

  @Test
  void tamperedCachedModel_isReplacedFromTheJar() throws Exception {
    Path cache = home.resolve("tamper-cache");
    try (MiniLmEmbedder first = MiniLmEmbedder.load(cache)) {
      first.embed(TUBE);
    }
    Path onnx = cache.resolve("model/" + MiniLmEmbedder.MODEL_RESOURCE);
    byte[] bytes = Files.readAllBytes(onnx);
    bytes[bytes.length / 2] ^= 1;
    Files.write(onnx, bytes);
    try (MiniLmEmbedder second = MiniLmEmbedder.load(cache)) {
      assertEquals(MiniLmEmbedder.MODEL_SHA256, MiniLmEmbedder.sha256(onnx));
      assertArrayEquals(embedder.embed(TUBE), second.embed(TUBE), 1e-6f);
    }
  }

  @Test
  void knownAnswer_prefixIsPinned() throws Exception {
    float[] v = embedder.embed(TUBE);
    for (int i = 0; i < TUBE_PREFIX.length; i++) {
      assertEquals(TUBE_PREFIX[i], v[i], 1e-3f, "component " + i);
    }
  }

  @Test
  void djlPath_matchesRawOnnxRuntime() throws Exception {
    Path dir = home.resolve("model-cache/model");
    float[] raw = rawOnnxRuntime(dir, TUBE);
    assertArrayEquals(raw, embedder.embed(TUBE), 1e-4f);
    for (int i = 0; i < TUBE_PREFIX.length; i++) {
      assertEquals(TUBE_PREFIX[i], raw[i], 1e-3f, "raw component " + i);
    }
  }

  /** The same recipe with nothing of DJL but the tokenizer: ONNX Runtime's own Java API. */
  static float[] rawOnnxRuntime(Path modelDir, String text) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (HuggingFaceTokenizer tok =
            MiniLmEmbedder.newTokenizer(modelDir.resolve(MiniLmEmbedder.TOKENIZER_RESOURCE));
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        OrtSession session =
            env.createSession(modelDir.resolve(MiniLmEmbedder.MODEL_RESOURCE).toString(), opts)) {
      Encoding e = tok.encode(text);
      long[] shape = {1, e.getIds().length};
      try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(e.getIds()), shape);
          OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(e.getAttentionMask()), shape);
          OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(e.getTypeIds()), shape);
          OrtSession.Result r =
              session.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
        OnnxTensor hidden = (OnnxTensor) r.get(0);
        float[] h = new float[hidden.getFloatBuffer().remaining()];
        hidden.getFloatBuffer().get(h);
        return Pooling.meanPoolNormalized(h, e.getAttentionMask(), 1, (int) shape[1], 384)[0];
      }
    }
  }

  @Test
  void offline_noProxyLookups_andCachesStayInsideHome() throws Exception {
    embedder.embedBatch(List.of(TYRE, TUBE));
    assertTrue(ai.djl.util.Utils.isOfflineMode());
    assertEquals("true", System.getProperty("OPT_OUT_TRACKING"));
    assertTrue(ai.djl.util.Utils.getCacheDir().startsWith(home) || System.getenv("DJL_CACHE_DIR") != null);
    assertTrue(ai.djl.util.Utils.getEngineCacheDir().startsWith(home)
        || System.getenv("ENGINE_CACHE_DIR") != null);
    // Every java.net.Socket connect and every URLConnection asks the default ProxySelector first.
    assertEquals(List.of(), proxies.seen(), "network lookups during load/embed");
    assertEquals(djlHomeExisted, Files.exists(Path.of(System.getProperty("user.home"), ".djl.ai")));
    try (Stream<Path> files = Files.walk(home.resolve("model-cache"))) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("libtokenizers")),
          "tokenizer native library extracted inside the Kith home");
    }
  }

  @Test
  void proxySelectorProbe_wouldCatchAConnection() {
    // The probe above is only worth something if a connection attempt really passes through it.
    int before = proxies.seen().size();
    assertThrows(IOException.class, () -> new URL("http://192.0.2.1/").openConnection().connect());
    assertEquals(before + 1, proxies.seen().size());
    proxies.forget(before);
  }

  @Test
  void concurrentCallers_getTheSameVectorsAsSequentialOnes() throws Exception {
    List<String> texts = List.of(TYRE, TUBE, BREAD, "Seed swap at the library on Saturday");
    List<float[]> expected = new ArrayList<>();
    for (String t : texts) {
      expected.add(embedder.embed(t));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> futures = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        String t = texts.get(i % texts.size());
        futures.add(pool.submit(() -> embedder.embed(t)));
      }
      for (int i = 0; i < futures.size(); i++) {
        assertArrayEquals(expected.get(i % texts.size()), futures.get(i).get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void closed_refusesWork_andCloseIsIdempotent() throws Exception {
    MiniLmEmbedder e = MiniLmEmbedder.load(home.resolve("model-cache"));
    e.close();
    e.close();
    assertThrows(IllegalStateException.class, () -> e.embed(TUBE));
    assertThrows(IllegalArgumentException.class, () -> embedder.embedBatch(Collections.singletonList(null)));
  }

  /** Records every URI anything asks to connect to, and sends it to a closed local port. */
  static final class RecordingProxySelector extends ProxySelector {
    private final List<URI> seen = Collections.synchronizedList(new ArrayList<>());

    @Override
    public List<Proxy> select(URI uri) {
      seen.add(uri);
      return List.of(new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", 1)));
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}

    List<URI> seen() {
      synchronized (seen) {
        return List.copyOf(seen);
      }
    }

    void forget(int from) {
      synchronized (seen) {
        seen.subList(from, seen.size()).clear();
      }
    }
  }
}
