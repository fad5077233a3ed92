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
import java.util.ArrayList;
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

  List<float[]> embedBatch(List<String> texts) throws OrtException {
    List<float[]> out = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += MiniLmEmbedder.MAX_BATCH) {
      List<String> chunk = texts.subList(from, Math.min(texts.size(), from + MiniLmEmbedder.MAX_BATCH));
      for (float[] v : run(chunk.toArray(new String[0]))) {
        out.add(v);
      }
    }
    return out;
  }

  private float[][] run(String[] texts) throws OrtException {
    Encoding[] enc = tokenizer.batchEncode(texts);
    int batch = enc.length;
    int seqLen = enc[0].getIds().length;
    long[] ids = new long[batch * seqLen];
    long[] mask = new long[batch * seqLen];
    long[] types = new long[batch * seqLen];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(enc[b].getIds(), 0, ids, b * seqLen, seqLen);
      System.arraycopy(enc[b].getAttentionMask(), 0, mask, b * seqLen, seqLen);
      System.arraycopy(enc[b].getTypeIds(), 0, types, b * seqLen, seqLen);
    }
    long[] shape = {batch, seqLen};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
      inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
      if (typeIds) {
        inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
      }
      try (OrtSession.Result r = session.run(inputs)) {
        FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
        float[] hidden = new float[fb.remaining()];
        fb.get(hidden);
        return Pooling.meanPoolNormalized(hidden, mask, batch, seqLen, MiniLmEmbedder.DIMENSIONS);
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
