package org.kith.protocol.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kith.protocol.record.RecordFixtures.DAY_MS;
import static org.kith.protocol.record.RecordFixtures.HEX;
import static org.kith.protocol.record.RecordFixtures.PUBLIC_KEY;
import static org.kith.protocol.record.RecordFixtures.SECRET_KEY;
import static org.kith.protocol.record.RecordFixtures.T0;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.NeedContent;
import org.kith.protocol.proto.OfferContent;
import org.kith.protocol.proto.ProfileContent;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.Retract;
import org.kith.protocol.proto.SignedRecord;
import org.kith.sodium.Sodium;

/**
 * spec/vectors/records.json: fixed key (seed 32 x 0x01), fixed times, expected body, signature and id bytes.
 * Regenerate with {@code -Dkith.vectors.write=true} only for a deliberate format change, with a changelog
 * entry in spec/PROTOCOL.md.
 */
class RecordVectorsTest {
  static final Path FILE = RecordFixtures.vectors("records.json");

  @BeforeAll
  static void maybeWrite() throws Exception {
    if (RecordFixtures.writeVectors()) {
      Files.writeString(FILE, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create()
          .toJson(generate()) + "\n");
    }
  }

  static JsonObject generate() {
    JsonObject root = new JsonObject();
    root.addProperty("description", "Kith signed records, spec/PROTOCOL.md section 7. signature = "
        + "Ed25519(secret key, \"kith/record/v1\" || body); id = BLAKE2b-256(\"kith/record-id/v1\" || body). "
        + "expect is VALID or the RecordException reason when verified at verify_at_ms.");
    root.addProperty("author_seed_hex", HEX.formatHex(RecordFixtures.SEED));
    root.addProperty("author_public_key_hex", HEX.formatHex(PUBLIC_KEY));
    root.addProperty("signature_domain", "kith/record/v1");
    root.addProperty("id_domain", "kith/record-id/v1");
    JsonArray v = new JsonArray();
    long now = T0 + DAY_MS;

    Record note = RecordFixtures.note("Tomatoes", "Plant them after the last frost; stake early.").build();
    SignedRecord noteSigned = RecordSigner.sign(note, SECRET_KEY);
    v.add(valid("note", note, noteSigned, now));

    Record offer = base(2, RecordKind.OFFER, 2)
        .setContent(OfferContent.newBuilder().setText("Ladder to lend, weekends.").build().toByteString())
        .build();
    v.add(valid("offer_reach_2", offer, RecordSigner.sign(offer, SECRET_KEY), now));

    Record need = base(3, RecordKind.NEED, 1)
        .setContent(NeedContent.newBuilder().setText("A lift to the clinic on Tuesday.").build().toByteString())
        .build();
    v.add(valid("need", need, RecordSigner.sign(need, SECRET_KEY), now));

    ProfileContent.Topic.Builder topic =
        ProfileContent.Topic.newBuilder().addLabels("gardening").addLabels("compost").setNoisyCount(11.5);
    for (int i = 0; i < Limits.EMBEDDING_DIMENSIONS; i++) {
      topic.addCentroid(i == 0 ? 1.0f : 0.0f);
    }
    Record profile = base(4, RecordKind.PROFILE, 1)
        .setContent(ProfileContent.newBuilder().addTopics(topic).build().toByteString())
        .build();
    v.add(valid("profile", profile, RecordSigner.sign(profile, SECRET_KEY), now));

    Record retract = base(5, RecordKind.RETRACT, 1)
        .setContent(Retract.newBuilder().setRecordId(RecordId.of(noteSigned).toByteString()).build().toByteString())
        .build();
    v.add(valid("retract_note", retract, RecordSigner.sign(retract, SECRET_KEY), now));

    byte[] sig = noteSigned.getSignature().toByteArray();
    sig[63] ^= 0x01;
    v.add(invalid("bad_signature_last_bit", noteSigned.getBody().toByteArray(), sig, now, "BAD_SIGNATURE"));
    byte[] noDomain = rawSign(noteSigned.getBody().toByteArray(), false);
    v.add(invalid("signed_without_domain", noteSigned.getBody().toByteArray(), noDomain, now, "BAD_SIGNATURE"));
    v.add(invalid("expired_at_expiry", noteSigned.getBody().toByteArray(),
        noteSigned.getSignature().toByteArray(), note.getExpiresAtMs(), "EXPIRED"));
    v.add(invalid("created_beyond_skew", noteSigned.getBody().toByteArray(),
        noteSigned.getSignature().toByteArray(), T0 - Limits.MAX_CLOCK_SKEW_MS - 1, "NOT_YET_VALID"));
    byte[] unknownKind = note.toBuilder().setKindValue(9).build().toByteArray();
    v.add(invalid("unknown_kind_9", unknownKind, rawSign(unknownKind, true), now, "UNKNOWN_KIND"));
    byte[] reach3 = note.toBuilder().setReach(3).build().toByteArray();
    v.add(invalid("reach_3", reach3, rawSign(reach3, true), now, "BAD_REACH"));
    byte[] backwards = note.toBuilder().setExpiresAtMs(T0).build().toByteArray();
    v.add(invalid("expires_equals_created", backwards, rawSign(backwards, true), now, "BAD_LIFETIME"));
    // A second author field after the first: a parser keeps the last one, so the record would claim an
    // author other than the key that signed it.
    byte[] twice = concat(note.toByteArray(),
        Record.newBuilder().setAuthor(ByteString.copyFrom(RecordFixtures.filled(32, 0x02))).build().toByteArray());
    v.add(invalid("author_repeated", twice, rawSign(twice, true), now, "MALFORMED"));
    root.add("vectors", v);
    return root;
  }

  private static Record.Builder base(long seq, RecordKind kind, int reach) {
    return RecordFixtures.note("", "").setSeq(seq).setKind(kind).setReach(reach);
  }

  static byte[] rawSign(byte[] body, boolean withDomain) {
    byte[] message = withDomain ? RecordVerifier.signedMessage(body) : body;
    byte[] sig = new byte[64];
    Sodium.raw().crypto_sign_detached(sig, null, message, message.length, SECRET_KEY);
    return sig;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static JsonObject valid(String name, Record r, SignedRecord s, long now) {
    JsonObject o = new JsonObject();
    o.addProperty("name", name);
    JsonObject fields = new JsonObject();
    fields.addProperty("author_hex", HEX.formatHex(r.getAuthor().toByteArray()));
    fields.addProperty("seq", r.getSeq());
    fields.addProperty("created_at_ms", r.getCreatedAtMs());
    fields.addProperty("expires_at_ms", r.getExpiresAtMs());
    fields.addProperty("kind", r.getKind().name());
    fields.addProperty("reach", r.getReach());
    fields.addProperty("audience", r.getAudience());
    fields.addProperty("content_hex", HEX.formatHex(r.getContent().toByteArray()));
    o.add("record", fields);
    o.addProperty("body_hex", HEX.formatHex(s.getBody().toByteArray()));
    o.addProperty("signature_hex", HEX.formatHex(s.getSignature().toByteArray()));
    o.addProperty("id_hex", RecordId.of(s).hex());
    o.addProperty("verify_at_ms", now);
    o.addProperty("expect", "VALID");
    return o;
  }

  private static JsonObject invalid(String name, byte[] body, byte[] sig, long now, String reason) {
    JsonObject o = new JsonObject();
    o.addProperty("name", name);
    o.addProperty("body_hex", HEX.formatHex(body));
    o.addProperty("signature_hex", HEX.formatHex(sig));
    o.addProperty("verify_at_ms", now);
    o.addProperty("expect", reason);
    return o;
  }

  static JsonObject load() throws Exception {
    return JsonParser.parseString(Files.readString(FILE, StandardCharsets.UTF_8)).getAsJsonObject();
  }

  @Test
  void vectors_authorKeyMatchesSeed() throws Exception {
    JsonObject root = load();
    assertEquals(HEX.formatHex(PUBLIC_KEY), root.get("author_public_key_hex").getAsString());
  }

  @Test
  void vectors_verifyAsExpected() throws Exception {
    JsonArray vectors = load().getAsJsonArray("vectors");
    assertTrue(vectors.size() >= 10, "vectors missing");
    for (JsonElement e : vectors) {
      JsonObject v = e.getAsJsonObject();
      String name = v.get("name").getAsString();
      SignedRecord s = SignedRecord.newBuilder()
          .setBody(ByteString.copyFrom(HEX.parseHex(v.get("body_hex").getAsString())))
          .setSignature(ByteString.copyFrom(HEX.parseHex(v.get("signature_hex").getAsString())))
          .build();
      long at = v.get("verify_at_ms").getAsLong();
      String expect = v.get("expect").getAsString();
      if (expect.equals("VALID")) {
        VerifiedRecord r = RecordVerifier.verify(s, at);
        assertEquals(v.get("id_hex").getAsString(), r.id().hex(), name);
        JsonObject f = v.getAsJsonObject("record");
        assertEquals(f.get("kind").getAsString(), r.kind().name(), name);
        assertEquals(f.get("seq").getAsLong(), r.record().getSeq(), name);
        assertEquals(f.get("audience").getAsString(), r.record().getAudience(), name);
      } else {
        RecordException ex = assertThrows(RecordException.class, () -> RecordVerifier.verify(s, at), name);
        assertEquals(expect, ex.reason().name(), name);
      }
    }
  }

  /** The signer reproduces each valid vector byte for byte from its fields (Ed25519 is deterministic). */
  @Test
  void vectors_signerReproducesBodyAndSignature() throws Exception {
    for (JsonElement e : load().getAsJsonArray("vectors")) {
      JsonObject v = e.getAsJsonObject();
      if (!v.get("expect").getAsString().equals("VALID")) {
        continue;
      }
      JsonObject f = v.getAsJsonObject("record");
      Record r = Record.newBuilder()
          .setAuthor(ByteString.copyFrom(HEX.parseHex(f.get("author_hex").getAsString())))
          .setSeq(f.get("seq").getAsLong())
          .setCreatedAtMs(f.get("created_at_ms").getAsLong())
          .setExpiresAtMs(f.get("expires_at_ms").getAsLong())
          .setKind(RecordKind.valueOf(f.get("kind").getAsString()))
          .setReach(f.get("reach").getAsInt())
          .setAudience(f.get("audience").getAsString())
          .setContent(ByteString.copyFrom(HEX.parseHex(f.get("content_hex").getAsString())))
          .build();
      SignedRecord s = RecordSigner.sign(r, SECRET_KEY);
      String name = v.get("name").getAsString();
      assertEquals(v.get("body_hex").getAsString(), HEX.formatHex(s.getBody().toByteArray()), name);
      assertEquals(v.get("signature_hex").getAsString(), HEX.formatHex(s.getSignature().toByteArray()), name);
    }
  }
}
