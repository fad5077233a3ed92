package org.kith.node.api;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.kith.node.app.KithNode;
import org.kith.node.base.KithException;
import org.kith.node.api.Router.Route;
import org.kith.node.peers.Peer;
import org.kith.node.vault.Vaults;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.identity.PublicId;
import org.kith.storage.VaultException;

/** {@code /v1/status}, {@code /v1/id} and {@code /v1/backup}. */
final class NodeRoutes {
  private NodeRoutes() {}

  static List<Route> routes(KithNode node) {
    return List.of(
        new Route("GET", "/v1/status", c -> status(node)),
        new Route("GET", "/v1/id", c -> identity(node)),
        new Route("POST", "/v1/backup", c -> backup(node, c.body())));
  }

  static JsonObject identity(KithNode node) {
    PublicId id = node.id();
    JsonObject o = new JsonObject();
    o.addProperty("id", id.text());
    o.addProperty("publicKey", id.hex());
    o.addProperty("fingerprint", id.fingerprint());
    o.addProperty("name", node.identity().name());
    o.addProperty("networkKey", HexFormat.of().formatHex(NetworkKey.KITH_V1.bytes()));
    return o;
  }

  static JsonObject status(KithNode node) throws KithException {
    JsonObject o = new JsonObject();
    o.addProperty("home", node.home().dir().toString());
    o.addProperty("vault", "unlocked");
    o.addProperty("running", node.running());
    o.addProperty("listen", node.listenAddress());
    o.add("identity", identity(node));
    o.addProperty("notes", node.notes().count());
    List<Peer> paired = node.peerBook().paired();
    o.addProperty("peers", paired.size());
    o.addProperty("connected", paired.stream().filter(p -> node.peers().connected(p.id())).count());
    o.addProperty("model", node.model().state());
    // This node's own reachability: the addresses an invite carries (TCP, then rooms) and its rooms.
    o.add("reachableAt", Json.strings(node.advertised()));
    o.add("rooms", RoomRoutes.list(node));
    o.add("reachability", reachability(node.reachability().snapshot()));
    return o;
  }

  /** The node's own reachability in words and fields (spec/API.md, spec/PROTOCOL.md 12.5). */
  static JsonObject reachability(org.kith.node.reach.Reachability.Snapshot s) {
    JsonObject o = new JsonObject();
    o.addProperty("state", s.state().text);
    o.addProperty("text", s.text());
    o.add("verified", Json.strings(s.verified()));
    if (s.verifiedBy() != null) {
      o.addProperty("verifiedBy", s.verifiedBy());
    }
    o.addProperty("portMapping", s.portMapping());
    if (s.mapping() != null) {
      JsonObject m = new JsonObject();
      m.addProperty("protocol", s.mapping().protocol());
      m.addProperty("external", s.mapping().externalHost() + ":" + s.mapping().externalPort());
      m.addProperty("internalPort", s.mapping().internalPort());
      m.addProperty("expires", s.mapping().expires().toString());
      o.add("mapping", m);
    }
    o.add("rooms", Json.strings(s.rooms()));
    return o;
  }

  static JsonObject backup(KithNode node, JsonObject body) throws KithException {
    String file = Json.str(body, "file", null);
    if (file == null) {
      throw KithException.badInput("give {\"file\": \"PATH\"}");
    }
    Path f = Path.of(file);
    if (Files.exists(f)) {
      throw KithException.badInput(f + " already exists; choose a new file name (nothing was written)");
    }
    try {
      node.vault().backup(f);
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    JsonObject o = new JsonObject();
    o.addProperty("file", f.toAbsolutePath().toString());
    try {
      o.addProperty("bytes", Files.size(f));
    } catch (IOException e) {
      o.addProperty("bytes", -1);
    }
    return o;
  }
}
