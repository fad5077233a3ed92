package org.kith.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.TestModel;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.reach.RoomHome;
import org.kith.node.reach.RoomLimits;
import org.kith.node.reach.RoomServer;
import org.kith.storage.KdfProfile;

/** {@code kith room ...} and {@code kith rooms ...} in-process, against a real room on loopback. */
class RoomCliTest {
  Path tmp;
  Path roomDir;
  Path nodeDir;
  Map<String, String> env;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void setUp() throws IOException {
    tmp = Files.createTempDirectory("kith-room-cli");
    roomDir = tmp.resolve("room");
    nodeDir = tmp.resolve("node");
    env = new HashMap<>();
    env.put("KITH_PASSPHRASE", "room cli passphrase");
    env.put("HOME", tmp.toString());
  }

  @AfterEach
  void tearDown() {
    TestModel.deleteTree(tmp);
  }

  Result run(Path home, String... args) {
    List<String> all = new ArrayList<>(List.of("--home", home.toString()));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Kith.run(all.toArray(String[]::new), env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false, d -> FakeEmbedder.flavour('f'),
        KdfProfile.TESTING_ONLY_INSECURE);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  Result ok(Path home, String... args) {
    Result r = run(home, args);
    assertEquals(0, r.code(), () -> "exit " + r.code() + " for " + List.of(args) + "\nout: " + r.out() + "\nerr: "
        + r.err());
    return r;
  }

  Result refused(Path home, String... args) {
    Result r = run(home, args);
    assertEquals(1, r.code(), () -> "exit " + r.code() + " for " + List.of(args) + "\nout: " + r.out() + "\nerr: "
        + r.err());
    return r;
  }

  @Test
  void roomInit_makesAnOwnerOnlyHome_andRefusesASecond() throws Exception {
    Result r = ok(roomDir, "room", "init", "--name", "Elm Street");
    assertTrue(r.out().contains("Room 'Elm Street' made"), r.out());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(roomDir)));
    for (String f : List.of("room.key", "members", "invites")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(roomDir.resolve(f))),
          f);
    }
    byte[] key = Files.readAllBytes(roomDir.resolve("room.key"));
    Result again = refused(roomDir, "room", "init", "--name", "Other");
    assertTrue(again.err().contains("already exists"), again.err());
    assertTrue(java.util.Arrays.equals(key, Files.readAllBytes(roomDir.resolve("room.key"))));
    Result noName = refused(tmp.resolve("room2"), "room", "init", "--name", " ");
    assertTrue(noName.err().contains("room name"), noName.err());
    assertFalse(Files.exists(tmp.resolve("room2").resolve("room.key")));
  }

  @Test
  void roomInvite_printsTheCodeAlone_onTheFirstLine_andKeepsOnlyItsHash() throws Exception {
    Result none = refused(roomDir, "room", "invite");
    assertTrue(none.err().contains("kith room init"), none.err());
    ok(roomDir, "room", "init", "--name", "Elm Street");
    Result r = ok(roomDir, "room", "invite", "--address", "127.0.0.1:7350");
    String code = r.out().lines().findFirst().orElseThrow();
    assertTrue(code.startsWith("kithroom1") && !code.contains(" "), code);
    assertTrue(r.err().contains("kith rooms join"), r.err());
    String invites = Files.readString(roomDir.resolve("invites"));
    assertEquals(1, invites.lines().count());
    assertFalse(invites.contains(code.substring(9, 30)));
    Result tooLong = refused(roomDir, "room", "invite", "--expires", "40d");
    assertTrue(tooLong.err().contains("30d"), tooLong.err());
    assertEquals(1, Files.readString(roomDir.resolve("invites")).lines().count());
    JsonObject o = JsonParser.parseString(ok(roomDir, "--json", "room", "invite").out()).getAsJsonObject();
    assertTrue(o.get("code").getAsString().startsWith("kithroom1"));
  }

  @Test
  void roomsJoinListLeave_withTheNodeStopped() throws Exception {
    ok(roomDir, "room", "init", "--name", "Elm Street");
    ok(nodeDir, "init", "--name", "alice");
    try (RoomServer room = RoomServer.open(new RoomHome(roomDir), RoomLimits.defaults())) {
      int port = room.listen("127.0.0.1", 0).getPort();
      String code = ok(roomDir, "room", "invite").out().lines().findFirst().orElseThrow();
      assertTrue(ok(roomDir, "--json", "room", "invite").out().contains("\"127.0.0.1:" + port + "\""),
          "the code carries where the room listens");

      Result bad = refused(nodeDir, "rooms", "join", "kithroom1garbage");
      assertTrue(bad.err().contains("copy it again"), bad.err());
      assertTrue(ok(nodeDir, "--json", "rooms").out().strip().equals("[]"));

      Result joined = ok(nodeDir, "rooms", "join", code);
      assertTrue(joined.out().contains("Joined room 'Elm Street'"), joined.out());
      assertTrue(joined.err().contains("kith start"), joined.err());
      assertEquals(1, room.memberCount());

      Result used = refused(nodeDir, "rooms", "join", code);
      assertTrue(used.err().contains("already in the room"), used.err());

      JsonArray list = JsonParser.parseString(ok(nodeDir, "--json", "rooms").out()).getAsJsonArray();
      assertEquals(1, list.size());
      assertEquals("Elm Street", list.get(0).getAsJsonObject().get("name").getAsString());
      assertTrue(ok(nodeDir, "rooms").out().contains("node not running"));

      Result nope = refused(nodeDir, "rooms", "leave", "Maple Road");
      assertTrue(nope.err().contains("no room 'Maple Road'"), nope.err());
      ok(nodeDir, "rooms", "leave", "Elm Street");
      assertTrue(ok(nodeDir, "--json", "rooms").out().strip().equals("[]"));
    }
  }
}
