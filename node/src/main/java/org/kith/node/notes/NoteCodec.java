package org.kith.node.notes;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Plaintext value formats of the node's stores, before the vault seals them (spec/VAULT.md, "Values").
 * Notes are UTF-8 JSON with a version field; vectors are a compact binary form because there are many.
 */
public final class NoteCodec {
  static final int NOTE_VERSION = 1;
  static final byte VECTOR_VERSION = 1;

  private NoteCodec() {}

  public static byte[] encodeNote(Note n) {
    JsonObject o = new JsonObject();
    o.addProperty("v", NOTE_VERSION);
    o.addProperty("title", n.title());
    o.addProperty("text", n.text());
    JsonArray tags = new JsonArray();
    n.tags().forEach(tags::add);
    o.add("tags", tags);
    o.addProperty("createdAt", n.createdAtMillis());
    if (n.source() != null) {
      o.addProperty("source", n.source());
    }
    if (n.edited()) {
      o.addProperty("updatedAt", n.updatedAtMillis());
    }
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  public static Note decodeNote(NoteId id, byte[] value) throws MalformedValueException {
    try {
      JsonObject o = JsonParser.parseString(new String(value, StandardCharsets.UTF_8)).getAsJsonObject();
      int v = o.get("v").getAsInt();
      if (v != NOTE_VERSION) {
        throw new MalformedValueException("note " + id.shortHex() + " has unknown format version " + v);
      }
      List<String> tags = new ArrayList<>();
      for (JsonElement t : o.getAsJsonArray("tags")) {
        tags.add(t.getAsString());
      }
      JsonElement src = o.get("source");
      long created = o.get("createdAt").getAsLong();
      JsonElement updated = o.get("updatedAt");
      return new Note(
          id,
          o.get("title").getAsString(),
          o.get("text").getAsString(),
          tags,
          created,
          src == null || src.isJsonNull() ? null : src.getAsString(),
          updated == null || updated.isJsonNull() ? created : updated.getAsLong());
    } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException
        | IllegalArgumentException e) {
      throw new MalformedValueException("note " + id.shortHex() + " does not decode: " + e.getMessage());
    }
  }

  /** {@code version(1) || sha256 of model weights (32) || dims (u16 BE) || dims x float32 LE}. */
  public static byte[] encodeVector(byte[] weightsSha256, float[] vector) {
    if (weightsSha256.length != 32) {
      throw new IllegalArgumentException("weights hash must be 32 bytes: " + weightsSha256.length);
    }
    ByteBuffer b = ByteBuffer.allocate(1 + 32 + 2 + 4 * vector.length);
    b.put(VECTOR_VERSION).put(weightsSha256).putShort((short) vector.length);
    b.order(ByteOrder.LITTLE_ENDIAN);
    for (float f : vector) {
      b.putFloat(f);
    }
    return b.array();
  }

  /** A decoded vector and the hash of the weights that produced it. */
  public record StoredVector(byte[] weightsSha256, float[] vector) {}

  public static StoredVector decodeVector(byte[] value) throws MalformedValueException {
    if (value.length < 35 || value[0] != VECTOR_VERSION) {
      throw new MalformedValueException("vector value has unknown format");
    }
    ByteBuffer b = ByteBuffer.wrap(value);
    b.get();
    byte[] hash = new byte[32];
    b.get(hash);
    int dims = b.getShort() & 0xffff;
    if (value.length != 35 + 4 * dims) {
      throw new MalformedValueException("vector value length " + value.length + " does not match " + dims + " dims");
    }
    b.order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[dims];
    for (int i = 0; i < dims; i++) {
      v[i] = b.getFloat();
    }
    return new StoredVector(hash, v);
  }

  /** A stored value that decrypted but does not parse: a bug or a vault from a newer Kith. */
  public static final class MalformedValueException extends Exception {
    public MalformedValueException(String message) {
      super(message);
    }
  }
}
