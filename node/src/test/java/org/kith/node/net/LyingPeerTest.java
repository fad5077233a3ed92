package org.kith.node.net;

import org.kith.node.records.Sharing;
import org.kith.node.query.Asking;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.MiniCluster;
import org.kith.node.MiniCluster.Member;
import org.kith.node.peers.Peer;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.proto.Answer;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.OfferContent;
import org.kith.protocol.proto.Query;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.record.RecordSigner;

/**
 * A paired peer that lies in its answers: it relays someone else's reach-1 record at hop 1 and sends a
 * tampered record next to a genuine one of its own. The asker keeps only the genuine one and counts the rest.
 */
class LyingPeerTest {
  @RegisterExtension
  final MiniCluster cluster = MiniCluster.withFakeModel();
  Member alice;
  Member carol;
  TestNode mallory;

  @BeforeEach
  void setUp() throws Exception {
    alice = cluster.add("Alice");
    carol = cluster.add("Carol");
    mallory = new TestNode().listen();
  }

  @AfterEach
  void tearDown() {
    mallory.close();
  }

  SignedRecord offer(String text) {
    long now = alice.clock.millis();
    Record r = Record.newBuilder().setAuthor(ByteString.copyFrom(mallory.identity.publicKey())).setSeq(1)
        .setCreatedAtMs(now).setExpiresAtMs(now + 3_600_000).setKind(RecordKind.OFFER).setReach(1)
        .setAudience("friends").setContent(OfferContent.newBuilder().setText(text).build().toByteString()).build();
    byte[] sk = mallory.identity.secretKey();
    return RecordSigner.sign(r, sk);
  }

  @Test
  void foreignReach1_andTamperedRecords_areDropped_andCounted() throws Exception {
    SignedRecord carols = carol.node.sharing().offer(RecordKind.OFFER, "a ladder to lend for the weekend",
        "friends", Sharing.DEFAULT_OFFER_EXPIRY).record.signed();
    SignedRecord own = offer("a ladder and a drill to lend");
    byte[] body = offer("a ladder to lend, honestly").getBody().toByteArray();
    body[body.length - 1] ^= 1;
    SignedRecord tampered = SignedRecord.newBuilder().setBody(ByteString.copyFrom(body))
        .setSignature(own.getSignature()).build();
    mallory.behaviour = request -> {
      if (request.getHeader().getType() != FrameType.QUERY) {
        return TestNode.echo(request);
      }
      try {
        Query q = FrameCodec.payload(request, Query.parser());
        return CompletableFuture.completedFuture(new Response(FrameType.ANSWER, Answer.newBuilder()
            .setQueryId(q.getQueryId()).addRecords(carols).addRecords(tampered).addRecords(own).build()));
      } catch (FrameException e) {
        return CompletableFuture.failedFuture(e);
      }
    };
    Peer m = new Peer(mallory.id(), "Mallory", "friends", List.of("127.0.0.1:" + mallory.address.getPort()),
        alice.clock.millis(), 0, false, false);
    alice.node.peerBook().put(m);
    alice.node.peers().maintain(m);
    MiniCluster.await("connection to mallory", () -> alice.node.peers().connectedPeers().contains(mallory.id()));

    for (int hops = 1; hops <= 2; hops++) {
      // Generous: a busy machine may take seconds to answer, and Mallory answers at once, so nothing waits it out.
      Asking.AskResult r = alice.node.queries().ask("ladder to lend", 5, hops, java.time.Duration.ofSeconds(30));
      assertEquals(1, r.answered());
      assertEquals(2, r.rejected(), "hops " + hops);
      assertEquals(1, r.items().stream().filter(i -> !i.local() || !i.author().equals("you")).count());
      assertEquals("Mallory", r.items().get(0).author());
      assertTrue(r.items().get(0).snippet().contains("drill"));
    }
  }

}
