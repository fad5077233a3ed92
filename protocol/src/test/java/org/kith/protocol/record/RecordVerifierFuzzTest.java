package org.kith.protocol.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kith.protocol.record.RecordFixtures.DAY_MS;
import static org.kith.protocol.record.RecordFixtures.PUBLIC_KEY;
import static org.kith.protocol.record.RecordFixtures.SECRET_KEY;
import static org.kith.protocol.record.RecordFixtures.T0;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kith.protocol.FuzzSupport;
import org.kith.protocol.Limits;
import org.kith.sodium.Sodium;
import org.kith.protocol.proto.NeedContent;
import org.kith.protocol.proto.NoteContent;
import org.kith.protocol.proto.OfferContent;
import org.kith.protocol.proto.ProfileContent;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.Retract;
import org.kith.protocol.proto.SignedRecord;

/**
 * Fuzz targets for {@link RecordVerifier} (spec/PROTOCOL.md section 7.4): a record either verifies and then
 * keeps every rule of sections 7 and 9, or is refused with {@link RecordException}.
 *
 * <p>A fuzzed signature never verifies, so the second target signs what the fuzzer writes: the body is the
 * fixed author field followed by the fuzz input, signed with the author's key, and every check after the
 * signature sees arbitrary bytes.
 */
class RecordVerifierFuzzTest {
  private static final long NOW = T0 + DAY_MS;

  @FuzzTest
  void verify_anySignedRecord(byte[] data) {
    SignedRecord signed;
    try {
      signed = SignedRecord.parseFrom(data);
    } catch (InvalidProtocolBufferException notARecord) {
      return;
    }
    verifyChecked(signed);
  }

  @FuzzTest
  void verify_anySignedBody(byte[] tail) {
    byte[] body = new byte[RecordVerifier.AUTHOR_OFFSET + RecordVerifier.AUTHOR_BYTES + tail.length];
    body[0] = 0x0a;
    body[1] = 0x20;
    System.arraycopy(PUBLIC_KEY, 0, body, RecordVerifier.AUTHOR_OFFSET, PUBLIC_KEY.length);
    System.arraycopy(tail, 0, body, RecordVerifier.AUTHOR_OFFSET + RecordVerifier.AUTHOR_BYTES, tail.length);
    byte[] message = RecordVerifier.signedMessage(body);
    byte[] signature = new byte[RecordVerifier.SIGNATURE_BYTES];
    Sodium.raw().crypto_sign_detached(signature, null, message, message.length, SECRET_KEY);
    VerifiedRecord v = verifyChecked(SignedRecord.newBuilder()
        .setBody(ByteString.copyFrom(body)).setSignature(ByteString.copyFrom(signature)).build());
    if (v != null) {
      assertEquals(ByteString.copyFrom(PUBLIC_KEY), v.record().getAuthor(), "author replaced");
    }
  }

  private static VerifiedRecord verifyChecked(SignedRecord signed) {
    VerifiedRecord v;
    try {
      v = RecordVerifier.verify(signed, NOW);
    } catch (RecordException refused) {
      assertNotNull(refused.reason());
      return null;
    }
    checkRules(v);
    return v;
  }

  /** Sections 7.4, 7.5 and 9, restated. */
  private static void checkRules(VerifiedRecord v) {
    Record r = v.record();
    assertTrue(v.signed().getBody().size() <= Limits.MAX_RECORD_BYTES);
    assertEquals(RecordVerifier.SIGNATURE_BYTES, v.signed().getSignature().size());
    assertEquals(RecordId.BYTES, v.id().bytes().length);
    assertEquals(RecordVerifier.AUTHOR_BYTES, r.getAuthor().size());
    assertNotEquals(0, r.getSeq());
    assertNotEquals(RecordKind.RECORD_KIND_UNSPECIFIED, r.getKind());
    assertNotEquals(RecordKind.UNRECOGNIZED, r.getKind());
    assertTrue(r.getReach() >= 1 && r.getReach() <= Limits.MAX_HOPS);
    int audience = r.getAudienceBytes().size();
    assertTrue(audience >= 1 && audience <= Limits.MAX_AUDIENCE_BYTES);
    assertTrue(r.getContent().size() <= Limits.MAX_CONTENT_BYTES);
    long created = r.getCreatedAtMs();
    long expires = r.getExpiresAtMs();
    assertNotEquals(0, created);
    assertTrue(Long.compareUnsigned(expires, created) > 0);
    assertTrue(Long.compareUnsigned(expires - created, Limits.MAX_RECORD_LIFETIME_MS) <= 0);
    assertTrue(Long.compareUnsigned(created, NOW + Limits.MAX_CLOCK_SKEW_MS) <= 0);
    assertTrue(Long.compareUnsigned(expires, NOW) > 0);
    MessageLite content = v.content();
    switch (r.getKind()) {
      case NOTE -> {
        NoteContent note = assertInstanceOf(NoteContent.class, content);
        assertTrue(note.getTitleBytes().size() <= RecordVerifier.MAX_TITLE_BYTES);
        assertTrue(note.getTagsCount() <= RecordVerifier.MAX_TAGS);
        for (int i = 0; i < note.getTagsCount(); i++) {
          assertTrue(note.getTagsBytes(i).size() <= RecordVerifier.MAX_TAG_BYTES);
        }
      }
      case OFFER -> assertTrue(assertInstanceOf(OfferContent.class, content).getTextBytes().size()
          <= RecordVerifier.MAX_OFFER_TEXT_BYTES);
      case NEED -> assertTrue(assertInstanceOf(NeedContent.class, content).getTextBytes().size()
          <= RecordVerifier.MAX_OFFER_TEXT_BYTES);
      case PROFILE -> {
        ProfileContent profile = assertInstanceOf(ProfileContent.class, content);
        assertTrue(profile.getTopicsCount() <= RecordVerifier.MAX_TOPICS);
        for (ProfileContent.Topic t : profile.getTopicsList()) {
          assertEquals(Limits.EMBEDDING_DIMENSIONS, t.getCentroidCount());
          for (float x : t.getCentroidList()) {
            assertTrue(Float.isFinite(x));
          }
          assertTrue(Double.isFinite(t.getNoisyCount()));
          assertTrue(t.getLabelsCount() <= RecordVerifier.MAX_LABELS);
          for (int i = 0; i < t.getLabelsCount(); i++) {
            assertTrue(t.getLabelsBytes(i).size() <= RecordVerifier.MAX_LABEL_BYTES);
          }
        }
      }
      case RETRACT -> assertEquals(RecordId.BYTES,
          assertInstanceOf(Retract.class, content).getRecordId().size());
      default -> throw new AssertionError("verified a record of kind " + r.getKind());
    }
  }

  @Test
  void seeds_areCommitted() throws Exception {
    Record note = RecordFixtures.note("Bread", "Sourdough starter to share.").build();
    Record offer = note.toBuilder().setKind(RecordKind.OFFER)
        .setContent(OfferContent.newBuilder().setText("A ladder, weekends").build().toByteString()).build();
    Record need = note.toBuilder().setKind(RecordKind.NEED).setReach(2)
        .setContent(NeedContent.newBuilder().setText("Someone to fix a bike").build().toByteString()).build();
    ProfileContent.Topic.Builder topic = ProfileContent.Topic.newBuilder().addLabels("garden").setNoisyCount(3.5);
    for (int i = 0; i < Limits.EMBEDDING_DIMENSIONS; i++) {
      topic.addCentroid(i == 0 ? 1f : 0f);
    }
    Record profile = note.toBuilder().setKind(RecordKind.PROFILE)
        .setContent(ProfileContent.newBuilder().addTopics(topic).build().toByteString()).build();
    Record retract = note.toBuilder().setKind(RecordKind.RETRACT).setSeq(2)
        .setContent(Retract.newBuilder().setRecordId(ByteString.copyFrom(new byte[32])).build().toByteString())
        .build();

    Map<String, byte[]> tails = new LinkedHashMap<>();
    tails.put("valid-note", tail(note));
    tails.put("valid-offer", tail(offer));
    tails.put("valid-need", tail(need));
    tails.put("valid-profile", tail(profile));
    tails.put("valid-retract", tail(retract));
    tails.put("edge-1byte", new byte[] {0x10});
    tails.put("edge-reach-3", tail(note.toBuilder().setReach(3).build()));
    tails.put("edge-audience-65",
        tail(note.toBuilder().setAudience("a".repeat(Limits.MAX_AUDIENCE_BYTES + 1)).build()));
    tails.put("edge-lifetime-max-plus-1", tail(note.toBuilder()
        .setExpiresAtMs(note.getCreatedAtMs() + Limits.MAX_RECORD_LIFETIME_MS + 1).build()));
    tails.put("edge-content-max-plus-1", tail(note.toBuilder()
        .setContent(ByteString.copyFrom(new byte[Limits.MAX_CONTENT_BYTES + 1])).build()));
    tails.put("edge-body-max-plus-1", tail(note.toBuilder()
        .setContent(ByteString.copyFrom(new byte[Limits.MAX_RECORD_BYTES])).build()));
    byte[] again = Arrays.copyOf(tail(note), tail(note).length + 34);
    again[again.length - 34] = 0x0a;
    again[again.length - 33] = 0x20;
    tails.put("edge-author-repeated", again);
    FuzzSupport.checkSeeds(getClass(), "verify_anySignedBody", tails);

    SignedRecord signed = RecordSigner.sign(note, SECRET_KEY);
    Map<String, byte[]> records = new LinkedHashMap<>();
    records.put("valid-note", signed.toByteArray());
    records.put("edge-signature-63", signed.toBuilder().setSignature(signed.getSignature().substring(1))
        .build().toByteArray());
    records.put("edge-body-max-plus-1", signed.toBuilder()
        .setBody(ByteString.copyFrom(new byte[Limits.MAX_RECORD_BYTES + 1])).build().toByteArray());
    records.put("edge-body-too-short", signed.toBuilder().setBody(signed.getBody().substring(0, 33))
        .build().toByteArray());
    records.put("edge-1byte", new byte[] {0x0a});
    FuzzSupport.checkSeeds(getClass(), "verify_anySignedRecord", records);
  }

  /** The body of {@code record} after its author field: what {@link #verify_anySignedBody} takes. */
  private static byte[] tail(Record record) {
    byte[] body = record.toByteArray();
    return Arrays.copyOfRange(body, RecordVerifier.AUTHOR_OFFSET + RecordVerifier.AUTHOR_BYTES, body.length);
  }
}
