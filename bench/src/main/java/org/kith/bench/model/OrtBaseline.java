package org.kith.bench.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kith.node.model.MiniLmEmbedder;
import org.kith.node.model.Pooling;

/**
 * The baseline for {@code embed_djl_vs_ort_ratio}: the same model file, the same tokenizer configuration and
 * the same pooling as {@link MiniLmEmbedder}, run through ONNX Runtime's own Java API with default session
 * options (which is also what DJL uses when given none).
 */
final class OrtBaseline implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession.SessionOptions options = new OrtSession.SessionOptions();
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final boolean typeIds;

  OrtBaseline(Path modelDir) throws OrtException, IOException {
    session = env.createSession(modelDir.resolve(MiniLmEmbedder.MODEL_RESOURCE).toString(), options);
    tokenizer = MiniLmEmbedder.newTokenizer(modelDir.resolve(MiniLmEmbedder.TOKENIZER_RESOURCE));
    typeIds = session.getInputNames().contains("token_type_ids");
  }

  /** The same steps as {@code MiniLmEmbedder.embedBatch}: tokenize, sort by length, pad, run, pool. */
  List<float[]> embedBatch(List<String> texts) throws OrtException {
    int n = texts.size();
    Encoding[] enc = tokenizer.batchEncode(texts.toArray(new String[0]));
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> enc[i].getIds().length));
    float[][] out = new float[n][];
    for (int from = 0; from < n; from += MiniLmEmbedder.MAX_BATCH) {
      int to = Math.min(n, from + MiniLmEmbedder.MAX_BATCH);
      Encoding[] batch = new Encoding[to - from];
      for (int i = from; i < to; i++) {
        batch[i - from] = enc[order[i]];
      }
      float[][] vectors = run(MiniLmEmbedder.TokenBatch.of(batch));
      for (int i = from; i < to; i++) {
        out[order[i]] = vectors[i - from];
      }
    }
    return List.of(out);
  }

  private float[][] run(MiniLmEmbedder.TokenBatch b) throws OrtException {
    long[] shape = {b.batch(), b.seqLen()};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(b.ids()), shape));
      inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(b.mask()), shape));
      if (typeIds) {
        inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(b.typeIds()), shape));
      }
      try (OrtSession.Result r = session.run(inputs)) {
        FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
        float[] hidden = new float[fb.remaining()];
        fb.get(hidden);
        return Pooling.meanPoolNormalized(hidden, b.mask(), b.batch(), b.seqLen(), MiniLmEmbedder.DIMENSIONS);
      }
    } finally {
      for (OnnxTensor t : inputs.values()) {
        t.close();
      }
    }
  }

  @Override
  public void close() throws OrtException {
    tokenizer.close();
    session.close();
    options.close();
  }
}
