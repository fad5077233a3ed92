package org.kith.protocol.frame;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kith.protocol.record.RecordFixtures.HEX;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.AddressRecord;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.Error;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameHeader;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;
import org.kith.protocol.proto.PairAccept;
import org.kith.protocol.proto.PairRequest;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.SignedAddressRecord;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;
import org.kith.protocol.proto.Unpair;
import org.kith.protocol.record.AddressRecords;
import org.kith.protocol.proto.Upgrade;
import org.kith.protocol.proto.UpgradeReply;
import org.kith.protocol.record.RecordFixtures;
import org.kith.protocol.record.RecordSigner;

/**
 * spec/vectors/frames.json: one frame of every type as length-prefixed bytes, and refused byte strings with
 * the FrameException code they must give. Each is fed whole, one byte at a time and in random slices.
 * Regenerate with {@code -Dkith.vectors.write=true} only for a deliberate format change.
 */
class FrameVectorsTest {
  static final Path FILE = RecordFixtures.vectors("frames.json");

  @BeforeAll
  static void maybeWrite() throws Exception {
    if (RecordFixtures.writeVectors()) {
      Files.writeString(FILE, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create()
          .toJson(generate()) + "\n");
    }
  }

  static JsonObject generate() throws Exception {
    JsonObject root = new JsonObject();
    root.addProperty("description", "Kith frames, spec/PROTOCOL.md section 5: varint32 length || Frame. "
        + "Valid vectors give type, request_id and the payload message's bytes; refused ones give the "
        + "FrameException code. Signed records inside are from records.json (vector 'note').");
    root.addProperty("max_frame_bytes", Limits.MAX_FRAME_BYTES);
    JsonArray v = new JsonArray();
    SignedRecord note = RecordSigner.sign(
        RecordFixtures.note("Tomatoes", "Plant them after the last frost; stake early.").build(),
        RecordFixtures.SECRET_KEY);
    v.add(valid("hello", FrameType.HELLO, 0, Hello.newBuilder().setProtocolVersion(1)
        .addCapabilities("sync").addCapabilities("profile").setName("Ada").build()));
    v.add(valid("pair_request", FrameType.PAIR_REQUEST, 1, PairRequest.newBuilder()
        .setInviteId(ByteString.copyFrom(RecordFixtures.filled(16, 0x11)))
        .setProof(ByteString.copyFrom(RecordFixtures.filled(32, 0x22))).setPetname("Bo").build()));
    v.add(valid("pair_accept", FrameType.PAIR_ACCEPT, 1,
        PairAccept.newBuilder().setPetname("Ada").setCircle("street").build()));
    v.add(valid("query", FrameType.QUERY, 3, Query.newBuilder()
        .setQueryId(ByteString.copyFrom(RecordFixtures.filled(16, 0x33))).setText("who lends a ladder?")
        .setHops(2).setK(10).setDeadlineUnixMs(RecordFixtures.T0 + 5000).build()));
    v.add(valid("answer", FrameType.ANSWER, 3, Answer.newBuilder()
        .setQueryId(ByteString.copyFrom(RecordFixtures.filled(16, 0x33))).addRecords(note)
        .setPartial(true).build()));
    v.add(valid("sync_request", FrameType.SYNC_REQUEST, 5,
        SyncRequest.newBuilder().setSinceCursor(0).setMax(Limits.MAX_SYNC_BATCH).build()));
    v.add(valid("sync_batch", FrameType.SYNC_BATCH, 5,
        SyncBatch.newBuilder().addRecords(note).setNextCursor(1).setMore(false).build()));
    v.add(valid("error", FrameType.ERROR, 7,
        Error.newBuilder().setCode(ErrorCode.RATE_LIMITED).setMessage("request budget spent").build()));
    v.add(valid("unpair", FrameType.UNPAIR, 0, Unpair.getDefaultInstance()));
    v.add(valid("ping", FrameType.PING, 9, Unpair.getDefaultInstance()));
    v.add(valid("pong", FrameType.PONG, 9, Unpair.getDefaultInstance()));
    v.add(valid("sync_hint", FrameType.SYNC_HINT, 0, Unpair.getDefaultInstance()));
    v.add(valid("addresses", FrameType.ADDRESSES, 0, AddressRecords.sign(AddressRecord.newBuilder()
        .setAuthor(ByteString.copyFrom(RecordFixtures.SECRET_KEY, 32, 32)).setSeq(3)
        .setIssuedAtMs(RecordFixtures.T0).addAddresses("tcp:192.168.1.20:7347")
        .addAddresses("room:kith1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@203.0.113.5:7350").build(),
        RecordFixtures.SECRET_KEY)));
    v.add(valid("upgrade", FrameType.UPGRADE, 11, Upgrade.newBuilder().setAttempt(1)
        .addCandidates(ByteString.copyFrom(new byte[] {4, (byte) 203, 0, 113, 7, 0x1c, 0x25}))
        .addCandidates(ByteString.copyFrom(new byte[] {4, (byte) 192, (byte) 168, 1, 20, 0x1c, 0x25})).build()));
    v.add(valid("upgrade_reply", FrameType.UPGRADE_REPLY, 11, UpgradeReply.newBuilder()
        .addCandidates(ByteString.copyFrom(new byte[] {4, (byte) 198, 51, 100, 9, (byte) 0xc3, 0x50})).build()));
    v.add(valid("request_id_max", FrameType.PING, -1L, Unpair.getDefaultInstance()));

    v.add(refused("version_2", prefixed(header(2, 10, 9)), "BAD_VERSION"));
    v.add(refused("version_0", prefixed(header(0, 10, 9)), "BAD_VERSION"));
    v.add(refused("type_unspecified", prefixed(header(1, 0, 9)), "UNKNOWN_TYPE"));
    v.add(refused("type_16_unknown", prefixed(header(1, 16, 9)), "UNKNOWN_TYPE"));
    v.add(refused("no_header", prefixed(Frame.newBuilder().setPayload(ByteString.copyFromUtf8("x")).build()
        .toByteArray()), "MALFORMED"));
    v.add(refused("garbage_body", new byte[] {0x03, (byte) 0xff, (byte) 0xff, (byte) 0xff}, "MALFORMED"));
    v.add(refused("empty_frame", new byte[] {0x00}, "MALFORMED"));
    v.add(refused("non_minimal_prefix", new byte[] {(byte) 0x81, 0x00, 0x08}, "MALFORMED"));
    v.add(refused("prefix_max_plus_1", varint(Limits.MAX_FRAME_BYTES + 1), "TOO_LARGE"));
    v.add(refused("prefix_2_GiB", varint(Integer.MAX_VALUE), "TOO_LARGE"));
    root.add("vectors", v);
    return root;
  }

  static byte[] header(int version, int type, long requestId) {
    return Frame.newBuilder().setHeader(FrameHeader.newBuilder().setVersion(version).setTypeValue(type)
        .setRequestId(requestId)).build().toByteArray();
  }

  static byte[] varint(int value) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream c = CodedOutputStream.newInstance(out);
    c.writeUInt32NoTag(value);
    c.flush();
    return out.toByteArray();
  }

  static byte[] prefixed(byte[] body) throws Exception {
    byte[] p = varint(body.length);
    byte[] out = new byte[p.length + body.length];
    System.arraycopy(p, 0, out, 0, p.length);
    System.arraycopy(body, 0, out, p.length, body.length);
    return out;
  }

  private static JsonObject valid(String name, FrameType type, long requestId, MessageLite payload)
      throws Exception {
    JsonObject o = new JsonObject();
    o.addProperty("name", name);
    o.addProperty("type", type.name());
    o.addProperty("request_id", Long.toUnsignedString(requestId));
    o.addProperty("payload_hex", HEX.formatHex(payload.toByteArray()));
    o.addProperty("bytes_hex", HEX.formatHex(FrameCodec.encode(FrameCodec.frame(type, requestId, payload))));
    o.addProperty("expect", "VALID");
    return o;
  }

  private static JsonObject refused(String name, byte[] bytes, String code) {
    JsonObject o = new JsonObject();
    o.addProperty("name", name);
    o.addProperty("bytes_hex", HEX.formatHex(bytes));
    o.addProperty("expect", code);
    return o;
  }

  static List<JsonObject> load() throws Exception {
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : JsonParser.parseString(Files.readString(FILE, StandardCharsets.UTF_8))
        .getAsJsonObject().getAsJsonArray("vectors")) {
      out.add(e.getAsJsonObject());
    }
    return out;
  }

  static Parser<? extends MessageLite> parserFor(FrameType type) {
    switch (type) {
      case HELLO: return Hello.parser();
      case PAIR_REQUEST: return PairRequest.parser();
      case PAIR_ACCEPT: return PairAccept.parser();
      case QUERY: return Query.parser();
      case ANSWER: return Answer.parser();
      case SYNC_REQUEST: return SyncRequest.parser();
      case SYNC_BATCH: return SyncBatch.parser();
      case ERROR: return Error.parser();
      case ADDRESSES: return SignedAddressRecord.parser();
      case UPGRADE: return Upgrade.parser();
      case UPGRADE_REPLY: return UpgradeReply.parser();
      default: return Unpair.parser(); // UNPAIR, PING, PONG: no fields
    }
  }

  /** Feeds {@code bytes} whole, one byte at a time, and in random slices; returns the frames of each. */
  static List<List<Frame>> decodeThreeWays(byte[] bytes, long seed) throws FrameException {
    List<List<Frame>> results = new ArrayList<>();
    FrameDecoder whole = new FrameDecoder();
    results.add(new ArrayList<>(whole.feed(bytes)));
    whole.finish();

    FrameDecoder single = new FrameDecoder();
    List<Frame> fromSingle = new ArrayList<>();
    for (int i = 0; i < bytes.length; i++) {
      fromSingle.addAll(single.feed(bytes, i, 1));
    }
    single.finish();
    results.add(fromSingle);

    results.add(decodeSlices(bytes, new Random(seed)));
    return results;
  }

  static List<Frame> decodeSlices(byte[] bytes, Random random) throws FrameException {
    FrameDecoder d = new FrameDecoder();
    List<Frame> out = new ArrayList<>();
    int pos = 0;
    while (pos < bytes.length) {
      int n = Math.min(bytes.length - pos, 1 + random.nextInt(Math.max(1, bytes.length / 3)));
      out.addAll(d.feed(bytes, pos, n));
      pos += n;
    }
    d.finish();
    return out;
  }

  @Test
  void validVectors_decodeWholeBytewiseAndSliced_andReencode() throws Exception {
    int count = 0;
    for (JsonObject v : load()) {
      if (!v.get("expect").getAsString().equals("VALID")) {
        continue;
      }
      count++;
      String name = v.get("name").getAsString();
      byte[] bytes = HEX.parseHex(v.get("bytes_hex").getAsString());
      FrameType type = FrameType.valueOf(v.get("type").getAsString());
      long id = Long.parseUnsignedLong(v.get("request_id").getAsString());
      byte[] payload = HEX.parseHex(v.get("payload_hex").getAsString());
      for (List<Frame> frames : decodeThreeWays(bytes, name.hashCode())) {
        assertEquals(1, frames.size(), name);
        Frame f = frames.get(0);
        assertEquals(type, f.getHeader().getType(), name);
        assertEquals(id, f.getHeader().getRequestId(), name);
        assertEquals(Limits.PROTOCOL_VERSION, f.getHeader().getVersion(), name);
        assertArrayEquals(payload, f.getPayload().toByteArray(), name);
        MessageLite message = FrameCodec.payload(f, parserFor(type));
        assertArrayEquals(bytes, FrameCodec.encode(FrameCodec.frame(type, id, message)), name);
      }
    }
    assertEquals(FrameType.values().length - 2 + 1, count, "one vector per frame type, plus max request id");
  }

  @Test
  void allValidVectorsConcatenated_decodeInOrder() throws Exception {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    List<String> expectedTypes = new ArrayList<>();
    for (JsonObject v : load()) {
      if (v.get("expect").getAsString().equals("VALID")) {
        stream.write(HEX.parseHex(v.get("bytes_hex").getAsString()));
        expectedTypes.add(v.get("type").getAsString());
      }
    }
    for (List<Frame> frames : decodeThreeWays(stream.toByteArray(), 42)) {
      List<String> types = new ArrayList<>();
      frames.forEach(f -> types.add(f.getHeader().getType().name()));
      assertEquals(expectedTypes, types);
    }
  }

  @Test
  void refusedVectors_giveTheirCode_howeverSliced() throws Exception {
    int count = 0;
    for (JsonObject v : load()) {
      String expect = v.get("expect").getAsString();
      if (expect.equals("VALID")) {
        continue;
      }
      count++;
      String name = v.get("name").getAsString();
      byte[] bytes = HEX.parseHex(v.get("bytes_hex").getAsString());
      FrameException whole = assertThrows(FrameException.class, () -> decodeThreeWays(bytes, 1), name);
      assertEquals(expect, whole.code().name(), name);
      FrameDecoder single = new FrameDecoder();
      FrameException bytewise = assertThrows(FrameException.class, () -> {
        for (int i = 0; i < bytes.length; i++) {
          single.feed(bytes, i, 1);
        }
        single.finish();
      }, name);
      assertEquals(expect, bytewise.code().name(), name);
      // A failed decoder stays failed.
      assertThrows(FrameException.class, () -> single.feed(new byte[] {0x01}), name);
    }
    assertTrue(count >= 10);
  }
}
