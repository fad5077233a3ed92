package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kith.node.MiniCluster;
import org.kith.node.TestModel;
import org.kith.node.app.KithNode;
import org.kith.node.base.Home;
import org.kith.node.model.FakeEmbedder;
import org.kith.node.peers.ListenConfig;
import org.kith.node.api.Router;
import org.kith.storage.KdfProfile;

/** Port mapping as the node runs it, with a fake router: never for loopback, in the status, removed on stop. */
class PortMappingNodeTest {
  private Path root;
  private KithNode node;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createTempDirectory("kith-portmap");
    KithNode.Options o = KithNode.Options.of(d -> FakeEmbedder.flavour('f')).withTransport(MiniCluster.fastConfig())
        .withKdf(KdfProfile.TESTING_ONLY_INSECURE);
    node = KithNode.init(new Home(root.resolve("n")), "port map test pass".toCharArray(), "n", o);
  }

  @AfterEach
  void tearDown() {
    node.close();
    TestModel.deleteTree(root);
  }

  private JsonObject reachability() throws Exception {
    return new Router(node).handle(new Router.Request("GET", "/v1/status", null, null)).getAsJsonObject()
        .getAsJsonObject("reachability");
  }

  @Test
  void aLoopbackListener_neverMakesAPortMapper() throws Exception {
    AtomicInteger made = new AtomicInteger();
    node.start(new ListenConfig("127.0.0.1", 0), LanConfig.OFF, () -> {
      made.incrementAndGet();
      return new PortMapKeeperTest.FakeRouter();
    });
    assertEquals(0, made.get());
    JsonObject r = reachability();
    assertEquals("local", r.get("state").getAsString());
    assertFalse(r.get("portMapping").getAsBoolean());
    assertEquals("this machine only (listening on loopback)", r.get("text").getAsString());
  }

  @Test
  void withoutPortMapping_nothingIsMapped() throws Exception {
    node.start(new ListenConfig("0.0.0.0", 0), LanConfig.OFF, null);
    JsonObject r = reachability();
    assertEquals("lan", r.get("state").getAsString());
    assertEquals("LAN only", r.get("text").getAsString());
    assertFalse(r.get("portMapping").getAsBoolean());
    assertFalse(r.has("mapping"));
  }

  @Test
  void aMapping_showsInTheStatus_unverified_andIsRemovedOnClose() throws Exception {
    PortMapKeeperTest.FakeRouter router = new PortMapKeeperTest.FakeRouter();
    int port = node.start(new ListenConfig("0.0.0.0", 0), LanConfig.OFF, () -> router).getPort();
    MiniCluster.await("mapped", () -> router.calls.contains("map " + port));
    MiniCluster.await("in the status", () -> node.reachability().snapshot().mapping() != null);
    JsonObject r = reachability();
    assertEquals("NAT-PMP", r.getAsJsonObject("mapping").get("protocol").getAsString());
    assertEquals("203.0.113.9:" + port, r.getAsJsonObject("mapping").get("external").getAsString());
    assertEquals(0, r.getAsJsonArray("verified").size(), "mapped is not verified: no room dialled it back");
    assertTrue(r.get("text").getAsString().startsWith("LAN only; port mapped by NAT-PMP"), r.toString());
    node.close();
    assertTrue(router.calls.contains("unmap " + port), router.calls.toString());
    assertTrue(router.closed);
  }
}
