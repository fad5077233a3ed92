package org.kith.node.query;

import org.kith.node.records.RecordStore;
import org.kith.node.records.RecordCodec;
import org.kith.node.records.Held;
import org.kith.node.records.Sharing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.base.KithException;
import org.kith.node.MiniCluster;
import org.kith.node.MiniCluster.Member;
import org.kith.node.api.Router;
import org.kith.node.net.ErrorFrameException;
import org.kith.node.notes.Note;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.ErrorCode;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.proto.SyncBatch;
import org.kith.protocol.proto.SyncRequest;

/** Sharing, sync and asking between real nodes over loopback: the scenarios of issue 5. */
class CommunityTest {
  /** Generous: a busy machine may take seconds to answer; no test waits it out. */
  static final Duration T = Duration.ofSeconds(30);
  @RegisterExtension
  final MiniCluster cluster = MiniCluster.withFakeModel();
  Member alice;
  Member bob;

  @BeforeEach
  void setUp() throws Exception {
    alice = cluster.add("Alice");
    bob = cluster.add("Bob");
  }


  /** Pairs and waits until both ends hold the connection. */
  void pair(Member inviter, Member invitee, String circle) throws Exception {
    cluster.pair(inviter, invitee, circle);
    MiniCluster.await("connection", () -> connected(inviter, invitee) && connected(invitee, inviter));
  }

  static boolean connected(Member a, Member b) {
    return a.connectedTo(b) && a.node.peers().connectedPeers().contains(b.id());
  }

  static Held share(Member m, String text, String circle, int reach) throws KithException {
    Note n = m.node.notes().add(text, List.of());
    return m.node.sharing().shareNote(n, circle, reach, Sharing.DEFAULT_SHARE_EXPIRY);
  }

  static void sync(Member m) throws Exception {
    m.node.sync().syncNow().get(10, TimeUnit.SECONDS);
  }

  @Test
  void peersInAnotherCircle_areNotHinted_soTheyDoNotLearnWhenOthersGetSomething() throws Exception {
    Member carol = cluster.add("Carol");
    pair(alice, bob, "neighbours");
    pair(alice, carol, "work");
    alice.node.sharing().offer(RecordKind.OFFER, "I can lend a ladder", "neighbours",
        Sharing.DEFAULT_OFFER_EXPIRY);
    MiniCluster.await("Bob's hint", () -> bob.node.sync().hintsReceived() == 1);
    alice.node.sharing().offer(RecordKind.NEED, "a lift on Tuesday", "work", Sharing.DEFAULT_OFFER_EXPIRY);
    MiniCluster.await("Carol's hint", () -> carol.node.sync().hintsReceived() == 1);
    // Each was told only of its own circle's record. Hints travel in order on one connection, so a hint Bob
    // got wrongly for Carol's circle would reach him before the next one for his own: once he holds that
    // second record, he must have had exactly two hints, not three.
    alice.node.sharing().offer(RecordKind.OFFER, "a wheelbarrow", "neighbours", Sharing.DEFAULT_OFFER_EXPIRY);
    MiniCluster.await("Bob's second record", () -> bob.node.sync().hintsReceived() >= 2
        && bob.node.records().peerRecords(x -> true).size() == 2);
    assertEquals(2, bob.node.sync().hintsReceived());
    assertEquals(1, carol.node.sync().hintsReceived());
  }

  @Test
  void aNewRecord_reachesConnectedPeersInItsCircle_atOnce_notAtTheNextInterval() throws Exception {
    pair(alice, bob, "neighbours");
    sync(bob); // the pull on connecting is done: from here only a hint brings the record within the 20 s
    // that await allows, since the periodic sync comes DEFAULT_SYNC_INTERVAL (30 s) after the node started.
    alice.node.sharing().offer(RecordKind.OFFER, "I can lend a ladder", "neighbours",
        Sharing.DEFAULT_OFFER_EXPIRY);
    MiniCluster.await("Bob's node to pull on Alice's hint",
        () -> bob.node.records().peerRecords(x -> true).size() == 1);
    // Hints in quick succession are paced, never lost.
    for (int i = 0; i < 4; i++) {
      alice.node.sharing().offer(RecordKind.NEED, "need number " + i, "neighbours",
          Sharing.DEFAULT_OFFER_EXPIRY);
      Thread.sleep(130);
    }
    MiniCluster.await("every hinted record", () -> bob.node.records().peerRecords(x -> true).size() == 5);
    for (int i = 0; i < 4; i++) {
      alice.node.sharing().unshare(alice.node.records().own(false).get(1).record.id().hex());
    }
    // A retraction travels the same way.
    alice.node.sharing().unshare(alice.node.records().own(false).get(0).record.id().hex());
    MiniCluster.await("the retraction", () -> bob.node.records().peerRecords(x -> true).isEmpty());
  }

  static Asking.AskResult ask(Member m, String q, int hops) throws KithException {
    return m.node.queries().ask(q, 5, hops, T);
  }

  static List<String> ids(Asking.AskResult r) {
    return r.items().stream().filter(i -> !i.local() || !i.author().equals("you")).map(Asking.Item::id).toList();
  }

  @Test
  void sharedNote_isFoundByAPeer_live_andAfterSync() throws Exception {
    pair(alice, bob, "neighbours");
    Held h = share(alice, "patch a bicycle puncture with glue and a rubber patch", "neighbours", 1);
    Asking.AskResult live = ask(bob, "bicycle puncture patch", 1);
    assertEquals(1, live.asked());
    assertEquals(1, live.answered());
    Asking.Item it = live.items().get(0);
    assertEquals(h.record.id().hex(), it.id());
    assertEquals("Alice", it.author());
    assertEquals("note", it.kind());
    assertEquals(List.of("Alice"), it.path());

    sync(bob);
    Asking.AskResult local = ask(bob, "bicycle puncture patch", 0);
    assertEquals(0, local.asked());
    assertEquals(List.of(h.record.id().hex()), ids(local));
  }

  @Test
  void offersAndNeeds_areSharedAndFound() throws Exception {
    pair(alice, bob, "neighbours");
    alice.node.sharing().offer(RecordKind.OFFER, "I can lend a ladder and a drill", "neighbours",
        Sharing.DEFAULT_OFFER_EXPIRY);
    Asking.AskResult r = ask(bob, "borrow a ladder", 1);
    assertEquals("offer", r.items().get(0).kind());
  }

  @Test
  void aPeerOutsideTheCircle_findsNothing() throws Exception {
    pair(alice, bob, "neighbours");
    share(alice, "family recipe for plum dumplings", "family", 1);
    assertTrue(ids(ask(bob, "plum dumplings recipe", 1)).isEmpty());
    sync(bob);
    assertEquals(0, bob.node.records().peerCount());
    assertTrue(ids(ask(bob, "plum dumplings recipe", 0)).isEmpty());
  }

  @Test
  void privateNotes_areNeverShared() throws Exception {
    Note n = alice.node.notes().add("my bank pin", List.of("private"));
    KithException e = assertThrows(KithException.class,
        () -> alice.node.sharing().shareNote(n, "neighbours", 1, Sharing.DEFAULT_SHARE_EXPIRY));
    assertEquals(KithException.BAD_INPUT, e.exitCode());
    assertEquals(0, alice.node.records().ownCount());
  }

  @Test
  void hop2_answersOnlyWithReach2_andWithoutNamingTheAuthor() throws Exception {
    Member carol = cluster.add("Carol");
    pair(alice, bob, "neighbours");
    pair(bob, carol, "neighbours");
    Held wide = share(alice, "sharpening kitchen knives on a whetstone", "neighbours", 2);
    Held narrow = share(alice, "sharpening garden shears with a file", "neighbours", 1);

    assertTrue(ids(ask(carol, "sharpening knives shears", 1)).isEmpty(), "hop 1 never reaches Alice");
    Asking.AskResult r = ask(carol, "sharpening knives shears", 2);
    List<String> got = ids(r);
    assertTrue(got.contains(wide.record.id().hex()), got.toString());
    assertFalse(got.contains(narrow.record.id().hex()), "reach-1 record relayed");
    Asking.Item it = r.items().stream().filter(i -> i.id().equals(wide.record.id().hex())).findFirst().orElseThrow();
    assertEquals("someone Bob knows", it.author());
    assertEquals(List.of("Bob", "someone Bob knows"), it.path());
    assertEquals(0, r.rejected());

    // Bob's synced copy answers too (reach 2), and is the same record: deduped.
    sync(bob);
    Asking.AskResult again = ask(carol, "sharpening knives shears", 2);
    assertEquals(1, ids(again).stream().filter(id -> id.equals(wide.record.id().hex())).count());
    assertFalse(ids(again).contains(narrow.record.id().hex()));
  }

  @Test
  void aRetraction_propagates() throws Exception {
    pair(alice, bob, "neighbours");
    Held h = share(alice, "spare seedlings of tomatoes to give away", "neighbours", 1);
    sync(bob);
    assertEquals(1, bob.node.records().peerRecords(x -> true).size());
    alice.node.sharing().unshare(h.record.id().hex());
    Query q = Query.newBuilder().setQueryId(ByteString.copyFrom(new byte[16])).setText("tomato seedlings").setHops(1)
        .setK(5).setDeadlineUnixMs(bob.clock.millis() + 30_000).build();
    assertEquals(0, bob.node.queries().query(alice.id(), q, T).get(60, TimeUnit.SECONDS).getRecordsCount(),
        "a live answer must not carry a retracted record");
    sync(bob);
    assertEquals(0, bob.node.records().peerRecords(x -> true).size());
    assertTrue(ids(ask(bob, "tomato seedlings", 0)).isEmpty());
    assertTrue(alice.node.records().own(false).isEmpty());
  }

  @Test
  void anExpiredRecord_disappears() throws Exception {
    pair(alice, bob, "neighbours");
    Note n = alice.node.notes().add("bread oven free this weekend", List.of());
    alice.node.sharing().shareNote(n, "neighbours", 1, Duration.ofHours(1));
    sync(bob);
    assertEquals(1, ids(ask(bob, "bread oven", 0)).size());
    alice.clock.advance(Duration.ofHours(2));
    bob.clock.advance(Duration.ofHours(2));
    assertTrue(ids(ask(bob, "bread oven", 1)).isEmpty());
    assertEquals(1, bob.node.records().purgeExpired());
    assertEquals(1, alice.node.records().purgeExpired());
    assertEquals(0, bob.node.records().peerCount());
  }

  @Test
  void aTamperedRecord_isRejected_andAForeignOneToo() throws Exception {
    Member carol = cluster.add("Carol");
    pair(alice, bob, "neighbours");
    share(alice, "the library opens late on thursdays", "neighbours", 1);
    SyncBatch real = alice.node.sync().server().serve("neighbours", SyncRequest.newBuilder().setMax(10).build());
    SignedRecord good = real.getRecords(0);
    byte[] body = good.getBody().toByteArray();
    body[body.length - 1] ^= 1;
    SignedRecord tampered = good.toBuilder().setBody(ByteString.copyFrom(body)).build();
    RecordStore.Accepted a = bob.node.records().accept(alice.id(),
        RecordCodec.verifyAll(List.of(tampered), bob.clock.millis()), 0);
    assertEquals(1, a.rejected());
    assertEquals(0, bob.node.records().peerCount());
    // A genuine record, but not by the peer that sent it: a sync carries the sender's own records only.
    RecordStore.Accepted foreign = bob.node.records().accept(carol.id(),
        RecordCodec.verifyAll(List.of(good), bob.clock.millis()), 0);
    assertEquals(1, foreign.rejected());
    assertEquals(0, bob.node.records().peerCount());
  }

  @Test
  void anOfflinePeer_givesAPartialAnswer_withinTheTimeout() throws Exception {
    Member carol = cluster.add("Carol");
    pair(alice, bob, "neighbours");
    pair(alice, carol, "neighbours");
    share(bob, "I repair bicycle wheels", "friends", 1);
    carol.stop();
    MiniCluster.await("carol gone", () -> !connected(bob, carol) && !connected(alice, carol));
    Asking.AskResult r = ask(alice, "bicycle wheel repair", 1);
    assertEquals(2, r.asked());
    assertEquals(1, r.answered());
    assertEquals("Carol", r.silent().get(0).petname());
    assertEquals("Bob", r.items().get(0).author());

    // Nobody reachable and nothing local: exit code 4 through the API.
    bob.stop();
    MiniCluster.await("bob gone", () -> !connected(alice, bob));
    JsonObject body = new JsonObject();
    body.addProperty("question", "zzzz qqqq");
    body.addProperty("hops", 1);
    body.addProperty("timeoutMs", 500);
    KithException e = assertThrows(KithException.class, () -> new Router(alice.node).handle(
        new Router.Request("POST", "/v1/ask", Map.of(), body)));
    assertEquals(KithException.UNREACHABLE, e.exitCode());
  }

  @Test
  void sharedRecords_nameTheNoteTheyCameFrom_forTheOwnerOnly_andAfterARestart() throws Exception {
    pair(alice, bob, "neighbours");
    Held h = share(alice, "Tomatoes: plant after the last frost", "neighbours", 1);
    String noteId = alice.node.notes().list().stream()
        .filter(n -> n.title().startsWith("Tomatoes")).findFirst().orElseThrow().id().hex();
    alice.node.sharing().offer(RecordKind.OFFER, "I can lend a ladder", "neighbours",
        Sharing.DEFAULT_OFFER_EXPIRY);
    for (int round = 0; round < 2; round++) {
      com.google.gson.JsonArray shared = new Router(alice.node)
          .handle(new Router.Request("GET", "/v1/shared", Map.of(), null)).getAsJsonArray();
      assertEquals(2, shared.size());
      for (var e : shared) {
        JsonObject r = e.getAsJsonObject();
        if (r.get("id").getAsString().equals(h.record.id().hex())) {
          assertEquals(noteId, r.get("note").getAsString());
        } else {
          assertFalse(r.has("note"), "an offer comes from no note: " + r);
        }
      }
      alice.stop();
      alice.start();
    }
    // The signed record itself carries no note id: what Bob receives cannot link back to Alice's vault.
    MiniCluster.await("reconnection", () -> connected(alice, bob) && connected(bob, alice));
    sync(bob);
    SignedRecord received = bob.node.records().peerRecords(x -> true).stream()
        .filter(x -> x.record.id().equals(h.record.id())).findFirst().orElseThrow().record.signed();
    assertFalse(java.util.HexFormat.of().formatHex(received.toByteArray()).contains(noteId));
    // Unsharing forgets the link with the record.
    alice.node.sharing().unshare(h.record.id().hex());
    assertTrue(alice.node.records().sourceNote(h.record.id()).isEmpty());
  }

  @Test
  void aFloodingPeer_doesNotStopOthersBeingAnswered() throws Exception {
    Member carol = cluster.add("Carol");
    pair(alice, bob, "neighbours");
    pair(alice, carol, "neighbours");
    share(alice, "community fridge is at the corner shop", "neighbours", 1);
    List<CompletableFuture<Answer>> flood = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] id = new byte[16];
      id[0] = (byte) i;
      id[1] = (byte) (i >> 8);
      Query q = Query.newBuilder().setQueryId(ByteString.copyFrom(id)).setText("community fridge " + i).setHops(1)
          .setK(5).setDeadlineUnixMs(bob.clock.millis() + 30_000).build();
      flood.add(bob.node.queries().query(alice.id(), q, Duration.ofSeconds(10)));
    }
    Asking.AskResult r = ask(carol, "community fridge", 1);
    assertEquals(1, r.answered(), r.silent().toString());
    assertEquals("Alice", r.items().get(0).author());
    int limited = 0;
    for (CompletableFuture<Answer> f : flood) {
      try {
        f.get(15, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof ErrorFrameException ef && ef.code() == ErrorCode.RATE_LIMITED) {
          limited++;
        }
      }
    }
    assertTrue(limited > 100, "only " + limited + " of 200 flooding queries were limited");
  }

  @Test
  void unpairing_forgetsThePeersRecords() throws Exception {
    pair(alice, bob, "neighbours");
    share(alice, "choir practice moved to tuesdays", "neighbours", 1);
    sync(bob);
    assertEquals(1, bob.node.records().peerCount());
    bob.node.peers().unpair("Alice");
    assertEquals(0, bob.node.records().peerCount());
    assertEquals(0, bob.node.records().cursor(alice.id()));
  }

  @Test
  void aProfile_answersWhoKnowsAboutX_byItsCentroids() throws Exception {
    pair(alice, bob, "neighbours");
    float[] c = FakeEmbedder.flavour('f').embed("gardening tomatoes compost");
    org.kith.protocol.proto.ProfileContent.Topic.Builder t = org.kith.protocol.proto.ProfileContent.Topic.newBuilder()
        .addAllLabels(List.of("gardening", "tomatoes", "compost")).setNoisyCount(4.2);
    for (float f : c) {
      t.addCentroid(f);
    }
    alice.node.sharing().publishProfile(org.kith.protocol.proto.ProfileContent.newBuilder().addTopics(t).build(),
        "neighbours", Sharing.DEFAULT_OFFER_EXPIRY);
    Asking.AskResult r = ask(bob, "who knows about gardening compost", 1);
    assertEquals("profile", r.items().get(0).kind());
    assertEquals("Alice", r.items().get(0).author());
    assertTrue(r.items().get(0).snippet().contains("gardening tomatoes compost"));
  }

  @Test
  void aNoteThatAnswers_comesBeforeTheProfileThatSummarisesIt() throws Exception {
    // Issue 12: a topic centroid (the mean of many notes) can sit nearer a question than the one note that
    // answers it. Here it is the question's own vector, the worst case: the note must still come first.
    pair(alice, bob, "neighbours");
    String question = "how often should I water the tomatoes?";
    share(alice, "Watering the tomatoes: in pots every day in July, in the raised beds twice a week.", "neighbours", 1);
    float[] c = FakeEmbedder.flavour('f').embed(question);
    org.kith.protocol.proto.ProfileContent.Topic.Builder t = org.kith.protocol.proto.ProfileContent.Topic.newBuilder()
        .addAllLabels(List.of("watering", "tomatoes", "beds")).setNoisyCount(6.1);
    for (float f : c) {
      t.addCentroid(f);
    }
    alice.node.sharing().publishProfile(org.kith.protocol.proto.ProfileContent.newBuilder().addTopics(t).build(),
        "neighbours", Sharing.DEFAULT_OFFER_EXPIRY);
    Asking.AskResult r = ask(bob, question, 1);
    assertEquals(List.of("note", "profile"), r.items().stream().map(Asking.Item::kind).toList(), r.toString());
    assertTrue(r.items().get(1).score() > r.items().get(0).score(), "the profile did score higher: " + r);
    assertTrue(r.items().get(0).snippet().contains("twice a week"), r.items().get(0).snippet());
  }

  @Test
  void aPeerMovedToAnotherCircle_receivesWhatThatCircleWasSent() throws Exception {
    pair(alice, bob, "neighbours");
    share(alice, "family barbecue on sunday", "family", 1);
    share(alice, "street party on saturday", "neighbours", 1);
    sync(bob);
    assertEquals(1, bob.node.records().peerCount());
    alice.node.peers().moveToCircle("Bob", "family");
    sync(bob);
    assertEquals(2, bob.node.records().peerCount());
  }

  @Test
  void aQueryIdSeenBefore_isNotAnsweredTwice() throws Exception {
    pair(alice, bob, "neighbours");
    share(alice, "repair cafe every first saturday", "neighbours", 1);
    Query q = Query.newBuilder().setQueryId(ByteString.copyFrom(new byte[16])).setText("repair cafe").setHops(1)
        .setK(5).setDeadlineUnixMs(bob.clock.millis() + 30_000).build();
    Answer first = bob.node.queries().query(alice.id(), q, T).get(60, TimeUnit.SECONDS);
    Answer second = bob.node.queries().query(alice.id(), q, T).get(60, TimeUnit.SECONDS);
    assertEquals(1, first.getRecordsCount());
    assertEquals(0, second.getRecordsCount());
  }
}
