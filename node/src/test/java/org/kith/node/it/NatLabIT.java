package org.kith.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the NAT lab ({@code bench/natlab --quick preserve random}) on the jar just packaged: two homes behind
 * masquerading routers that drop unsolicited packets, a room behind a delay proxy, all in network namespaces the
 * script makes and removes. It needs root (namespaces, iptables) and tcpdump; as another user it is skipped with
 * the reason, unless {@code KITH_REQUIRE_NATLAB=1} (set by {@code .ci/run}), which makes that a failure.
 */
class NatLabIT {
  /** The lab's own bounds are tighter; this only stops a hung script from holding the build. */
  static final long LAB_LIMIT_MINUTES = 12;

  /**
   * The upgrade to a direct link (spec/PROTOCOL.md 12.4) is built: the lab's {@code preserve} variant must end on a
   * direct link and sync over it. The relayed-to-direct throughput ratio (floor 0.5) is a benchmark figure the lab
   * prints, not asserted here: on a busy CI machine a timed ratio would fail for reasons that are not the link's.
   */
  static final boolean PRESERVE_ENDS_DIRECT = true;

  static Path repo() {
    return Path.of(System.getProperty("kith.repo.root", "..")).toAbsolutePath().normalize();
  }

  @Test
  void twoHomesBehindNat_pairAndAskThroughTheRoom_andTheRoomSeesNoPlaintext() throws Exception {
    boolean required = "1".equals(System.getenv("KITH_REQUIRE_NATLAB"));
    String why = whyNot();
    if (why != null) {
      if (required) {
        fail("KITH_REQUIRE_NATLAB=1 but the NAT lab cannot run: " + why);
      }
      Assumptions.assumeTrue(false, "NAT lab skipped: " + why + " (set KITH_REQUIRE_NATLAB=1 to make this a failure)");
    }

    Process p = new ProcessBuilder(repo().resolve("bench/natlab").toString(), "--quick", "preserve", "random")
        .directory(repo().toFile()).start();
    p.getOutputStream().close();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    if (!p.waitFor(LAB_LIMIT_MINUTES, TimeUnit.MINUTES)) {
      p.destroy(); // SIGTERM: the lab's trap stops its processes and deletes its namespaces
      p.waitFor(1, TimeUnit.MINUTES);
      fail("bench/natlab did not end within " + LAB_LIMIT_MINUTES + " minutes:\n" + stdout.getNow("(output not closed)")
          + err.getNow("(errors not closed)"));
    }
    String out = stdout.get();
    String log = out + "\n--- stderr\n" + err.get();
    assertEquals(0, p.exitValue(), log);
    Map<String, String> f = figures(out);

    for (String v : List.of("preserve", "random")) {
      assertEquals("1", f.get("natlab_" + v + "_connect_ok"), v + ": pair and ask through the room\n" + log);
      assertNotNull(f.get("natlab_" + v + "_pair_ms"), log);
      assertEquals("0", f.get("natlab_" + v + "_room_capture_plaintext_words"), v + ": plaintext in the room\n" + log);
      assertTrue(Long.parseLong(f.get("natlab_" + v + "_control_capture_plaintext_words")) > 0,
          v + ": the plaintext check found nothing where it must\n" + log);
      assertTrue(Long.parseLong(f.get("natlab_" + v + "_room_capture_payload_bytes")) > 0, log);
      assertNotNull(f.get("natlab_" + v + "_room_restart_ms"), v + ": an ask after the room restarted\n" + log);
    }
    // Random-port NAT on both sides: no hole to punch, the room carries on.
    assertEquals("0", f.get("natlab_random_link_direct"), "random NAT must stay on the room\n" + log);
    assertNotNull(f.get("natlab_random_sync_relayed_MBps"), log);

    if (PRESERVE_ENDS_DIRECT) {
      assertEquals("1", f.get("natlab_preserve_link_direct"), "port-preserving NAT must end direct\n" + log);
      assertNotNull(f.get("natlab_preserve_sync_direct_MBps"), log);
    }
  }

  /**
   * bench/natlab-upnp: Alice's router runs miniupnpd. Her node maps its port, a room dials it back, she is
   * reachable directly, and Bob behind a plain NAT connects to her with no room between them.
   */
  @Test
  void aRouterThatMapsPorts_makesTheHomeBehindItReachableDirectly() throws Exception {
    boolean required = "1".equals(System.getenv("KITH_REQUIRE_NATLAB"));
    String why = whyNot();
    if (why == null) {
      for (String tool : List.of("miniupnpd", "nft")) {
        Process w = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
        if (w.waitFor() != 0) {
          why = tool + " is missing (.ci/run installs miniupnpd-nftables and nftables)";
        }
      }
    }
    if (why != null) {
      if (required) {
        fail("KITH_REQUIRE_NATLAB=1 but the port-mapping lab cannot run: " + why);
      }
      Assumptions.assumeTrue(false, "port-mapping lab skipped: " + why);
    }
    Process p = new ProcessBuilder(repo().resolve("bench/natlab-upnp").toString()).directory(repo().toFile()).start();
    p.getOutputStream().close();
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    if (!p.waitFor(LAB_LIMIT_MINUTES, TimeUnit.MINUTES)) {
      p.destroy();
      p.waitFor(1, TimeUnit.MINUTES);
      fail("bench/natlab-upnp did not end within " + LAB_LIMIT_MINUTES + " minutes:\n"
          + stdout.getNow("(output not closed)") + err.getNow("(errors not closed)"));
    }
    String out = stdout.get();
    String log = out + "\n--- stderr\n" + err.get();
    assertEquals(0, p.exitValue(), log);
    Map<String, String> f = figures(out);
    assertNotNull(f.get("natlab_upnp_mapping_after_start_ms"), "the router mapped Alice's port\n" + log);
    assertNotNull(f.get("natlab_upnp_dialback_after_join_ms"), "the room dialled the mapping back\n" + log);
    assertEquals("1", f.get("natlab_upnp_unmapped_home_state_room"), "Bob, unmapped, is reachable by room only\n" + log);
    assertEquals("1", f.get("natlab_upnp_direct_connect_success"), "Bob reaches Alice directly\n" + log);
    assertEquals("1", f.get("natlab_upnp_mapping_removed_on_stop"), "the mapping goes when Alice stops\n" + log);
  }

  /** Why the lab cannot run here, or null when it can. */
  static String whyNot() throws IOException, InterruptedException {
    Process id = new ProcessBuilder("id", "-u").start();
    String uid = read(id.getInputStream()).strip();
    id.waitFor();
    if (!"0".equals(uid)) {
      return "it needs root (network namespaces and iptables); this runs as uid " + uid;
    }
    for (String tool : List.of("ip", "iptables", "tcpdump", "python3")) {
      Process w = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
      if (w.waitFor() != 0) {
        return tool + " is missing (.ci/run installs it)";
      }
    }
    if (!Files.isRegularFile(repo().resolve("node/target/kith-node.jar"))) {
      return "node/target/kith-node.jar is not built";
    }
    return null;
  }

  /** The lab's output: name TAB value TAB unit per line; comments and other lines ignored. */
  static Map<String, String> figures(String out) {
    Map<String, String> f = new HashMap<>();
    for (String line : out.split("\n")) {
      String[] parts = line.split("\t");
      if (parts.length == 3 && parts[0].startsWith("natlab_")) {
        f.put(parts[0], parts[1]);
      }
    }
    return f;
  }

  static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
