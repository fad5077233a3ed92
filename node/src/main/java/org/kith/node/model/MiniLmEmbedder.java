package org.kith.node.model;

import ai.djl.Model;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.util.Utils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * all-MiniLM-L6-v2 (quantized ONNX, from the langchain4j jar on the class path) run by DJL on ONNX Runtime,
 * tokenized by Hugging Face tokenizers, mean-pooled and L2-normalised. Never downloads anything: the model
 * and tokenizer are copied from the class path into {@code cacheDir/model}, checked by SHA-256 against the hashes
 * pinned here, and DJL runs in offline mode with its caches under {@code cacheDir}.
 *
 * <p>Thread-safety: safe for concurrent use. A DJL {@code Predictor} is not thread-safe, so calls into the
 * model are serialised on this object; ONNX Runtime already spreads one call over the cores, so concurrent
 * callers would gain little.
 */
public final class MiniLmEmbedder implements Embedder {
  public static final String MODEL_NAME = "all-MiniLM-L6-v2-q";
  /** Class path resources in the langchain4j all-minilm-l6-v2-q jar, and the file names in the cache. */
  public static final String MODEL_RESOURCE = "all-minilm-l6-v2-q.onnx";
  public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-q-tokenizer.json";
  /** SHA-256 of the vetted files; a different jar on the class path is refused rather than used silently. */
  public static final String MODEL_SHA256 =
      "afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1";
  public static final String TOKENIZER_SHA256 =
      "da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0";
  public static final int DIMENSIONS = 384;
  /** Tokens per text, special tokens included; longer texts are truncated (the model was trained at 256). */
  public static final int MAX_TOKENS = 256;
  /**
   * Characters of a text passed to the tokenizer. 256 tokens never need more than a few thousand characters;
   * this only bounds the tokenizer's work on a pathological input.
   */
  public static final int MAX_TEXT_CHARS = 32_768;
  /** Texts per call into the model; {@link #embedBatch} splits longer lists into batches of this size. */
  public static final int MAX_BATCH = 32;

  static final String ENGINE = "OnnxRuntime";
  private static final String MODEL_PREFIX = "all-minilm-l6-v2-q";

  private final Model model;
  private final Predictor<TokenBatch, float[][]> predictor;
  private final HuggingFaceTokenizer tokenizer;
  private final ModelId modelId = new ModelId(MODEL_NAME, MODEL_SHA256);
  private final AtomicBoolean closed = new AtomicBoolean();

  private MiniLmEmbedder(
      Model model, Predictor<TokenBatch, float[][]> predictor, HuggingFaceTokenizer tokenizer) {
    this.model = model;
    this.predictor = predictor;
    this.tokenizer = tokenizer;
  }

  /**
   * Loads the model. {@code cacheDir} is a folder inside the Kith home that this embedder and DJL may write
   * to; it is created if missing.
   */
  public static MiniLmEmbedder load(Path cacheDir) throws EmbeddingException {
    DjlEnvironment.configure(cacheDir);
    if (!Utils.isOfflineMode()) {
      throw new EmbeddingException("DJL is not in offline mode; unset the DJL_OFFLINE environment variable");
    }
    Path modelDir = cacheDir.resolve("model");
    Model model = null;
    HuggingFaceTokenizer tokenizer = null;
    try {
      Files.createDirectories(modelDir);
      Path modelFile = materialize(MODEL_RESOURCE, MODEL_SHA256, modelDir);
      Path tokenizerFile = materialize(TOKENIZER_RESOURCE, TOKENIZER_SHA256, modelDir);
      tokenizer = newTokenizer(tokenizerFile);
      model = Model.newInstance(MODEL_NAME, ENGINE);
      model.load(modelFile.getParent(), MODEL_PREFIX);
      List<String> inputs = model.describeInput() == null ? List.of() : model.describeInput().keys();
      boolean typeIds = inputs.isEmpty() || inputs.contains("token_type_ids");
      return new MiniLmEmbedder(model, model.newPredictor(new MiniLmTranslator(typeIds)), tokenizer);
    } catch (IOException | RuntimeException | ai.djl.MalformedModelException e) {
      if (tokenizer != null) {
        tokenizer.close();
      }
      if (model != null) {
        model.close();
      }
      throw new EmbeddingException("cannot load " + MODEL_NAME + ": " + e.getMessage(), e);
    }
  }

  /**
   * The tokenizer exactly as this embedder configures it: truncation at {@link #MAX_TOKENS} and no padding
   * (the tokenizer file asks for fixed padding to 128, which we turn off); {@link #embedBatch} pads each
   * batch itself to its longest text.
   */
  public static HuggingFaceTokenizer newTokenizer(Path tokenizerFile) throws IOException {
    return HuggingFaceTokenizer.builder()
        .optTokenizerPath(tokenizerFile)
        .optMaxLength(MAX_TOKENS)
        .optTruncation(true)
        .optPadding(false)
        .build();
  }

  /** Copies a class path resource into {@code dir} unless an intact copy is already there. */
  private static Path materialize(String resource, String sha256, Path dir)
      throws IOException, EmbeddingException {
    Path target = dir.resolve(resource);
    if (Files.isRegularFile(target) && sha256(target).equals(sha256)) {
      return target;
    }
    Path tmp = Files.createTempFile(dir, resource, ".tmp");
    try {
      String actual;
      try (InputStream in = MiniLmEmbedder.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new EmbeddingException("model resource missing from the class path: " + resource);
        }
        DigestInputStream din = new DigestInputStream(in, sha256Digest());
        Files.copy(din, tmp, StandardCopyOption.REPLACE_EXISTING);
        actual = HexFormat.of().formatHex(din.getMessageDigest().digest());
      }
      if (!actual.equals(sha256)) {
        throw new EmbeddingException(
            "model resource " + resource + " has SHA-256 " + actual + ", expected " + sha256);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return target;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static String sha256(Path file) throws IOException {
    MessageDigest md = sha256Digest();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }

  @Override
  public int dimensions() {
    return DIMENSIONS;
  }

  @Override
  public ModelId modelId() {
    return modelId;
  }

  @Override
  public float[] embed(String text) throws EmbeddingException {
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    return embedBatch(List.of(text)).get(0);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Texts are tokenized, sorted by token count and run in batches of up to {@link #MAX_BATCH} similar
   * lengths, so that little compute goes to padding; results come back in the caller's order. The model is
   * quantized per tensor at run time, so a text's vector depends slightly on its batch mates (cosine about
   * 0.99 with the vector of the same text embedded alone).
   */
  @Override
  public List<float[]> embedBatch(List<String> texts) throws EmbeddingException {
    if (texts == null) {
      throw new IllegalArgumentException("texts is null");
    }
    int n = texts.size();
    if (n == 0) {
      return List.of();
    }
    String[] clipped = new String[n];
    for (int i = 0; i < n; i++) {
      clipped[i] = clip(texts.get(i), i);
    }
    float[][] out = new float[n][];
    synchronized (this) {
      assertOpen();
      Encoding[] enc;
      try {
        enc = tokenizer.batchEncode(clipped);
      } catch (RuntimeException e) {
        throw new EmbeddingException("tokenizing failed: " + e.getClass().getSimpleName(), e);
      }
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(order, java.util.Comparator.comparingInt(i -> enc[i].getIds().length));
      for (int from = 0; from < n; from += MAX_BATCH) {
        int to = Math.min(n, from + MAX_BATCH);
        Encoding[] batch = new Encoding[to - from];
        for (int i = from; i < to; i++) {
          batch[i - from] = enc[order[i]];
        }
        float[][] vectors = run(TokenBatch.of(batch));
        for (int i = from; i < to; i++) {
          out[order[i]] = vectors[i - from];
        }
      }
    }
    return List.of(out);
  }

  private static String clip(String text, int index) {
    if (text == null) {
      throw new IllegalArgumentException("text " + index + " is null");
    }
    if (text.length() <= MAX_TEXT_CHARS) {
      return text;
    }
    int end = MAX_TEXT_CHARS;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  private float[][] run(TokenBatch batch) throws EmbeddingException {
    try {
      return predictor.predict(batch);
    } catch (ai.djl.translate.TranslateException | RuntimeException e) {
      // The message may not quote the text: logs never hold user data.
      throw new EmbeddingException("embedding failed: " + e.getClass().getSimpleName(), e);
    }
  }

  private void assertOpen() {
    if (closed.get()) {
      throw new IllegalStateException("embedder is closed");
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (this) {
      predictor.close();
      model.close();
      tokenizer.close();
    }
  }

  /**
   * Token ids, attention mask and token type ids of a batch padded to its longest text, row-major {@code
   * [batch, seqLen]}. Padding is id 0 ({@code [PAD]} in this vocabulary) with mask 0 and type 0, as the
   * tokenizer file specifies.
   */
  public record TokenBatch(long[] ids, long[] mask, long[] typeIds, int batch, int seqLen) {
    public static TokenBatch of(Encoding[] enc) {
      int batch = enc.length;
      int seqLen = 0;
      for (Encoding e : enc) {
        seqLen = Math.max(seqLen, e.getIds().length);
      }
      long[] ids = new long[batch * seqLen];
      long[] mask = new long[batch * seqLen];
      long[] types = new long[batch * seqLen];
      for (int b = 0; b < batch; b++) {
        int len = enc[b].getIds().length;
        System.arraycopy(enc[b].getIds(), 0, ids, b * seqLen, len);
        System.arraycopy(enc[b].getAttentionMask(), 0, mask, b * seqLen, len);
        System.arraycopy(enc[b].getTypeIds(), 0, types, b * seqLen, len);
      }
      return new TokenBatch(ids, mask, types, batch, seqLen);
    }
  }

  /** Feeds a whole padded batch to the model as one call and pools its last hidden state in Java. */
  private static final class MiniLmTranslator implements Translator<TokenBatch, float[][]> {
    private final boolean typeIds;

    MiniLmTranslator(boolean typeIds) {
      this.typeIds = typeIds;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, TokenBatch in) {
      NDManager m = ctx.getNDManager();
      Shape shape = new Shape(in.batch(), in.seqLen());
      NDArray ids = m.create(in.ids(), shape);
      ids.setName("input_ids");
      NDArray mask = m.create(in.mask(), shape);
      mask.setName("attention_mask");
      ctx.setAttachment("batch", in);
      if (!typeIds) {
        return new NDList(ids, mask);
      }
      NDArray types = m.create(in.typeIds(), shape);
      types.setName("token_type_ids");
      return new NDList(ids, mask, types);
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList out) {
      TokenBatch in = (TokenBatch) ctx.getAttachment("batch");
      NDArray hidden = out.get(0);
      long[] s = hidden.getShape().getShape();
      if (s.length != 3 || s[0] != in.batch() || s[1] != in.seqLen() || s[2] != DIMENSIONS) {
        throw new IllegalStateException("unexpected model output shape " + hidden.getShape());
      }
      return Pooling.meanPoolNormalized(
          hidden.toFloatArray(), in.mask(), in.batch(), in.seqLen(), DIMENSIONS);
    }

    @Override
    public Batchifier getBatchifier() {
      // The batch is already padded and stacked by the tokenizer; DJL must not add another dimension.
      return null;
    }
  }
}
