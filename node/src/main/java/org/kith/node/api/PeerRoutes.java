package org.kith.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.kith.node.app.KithNode;
import org.kith.node.base.KithException;
import org.kith.node.api.Router.Route;
import org.kith.node.peers.InviteBook;
import org.kith.node.peers.Peer;
import org.kith.node.reach.Rooms;
import org.kith.protocol.identity.InviteCode;

/** Invites, pairing and peers: {@code /v1/invites}, {@code /v1/pair}, {@code /v1/peers…}. */
final class PeerRoutes {
  /** Longest a pairing may wait for the inviter, whatever the request asks. */
  static final long MAX_PAIR_TIMEOUT_SECONDS = 120;

  private PeerRoutes() {}

  static List<Route> routes(KithNode node) {
    return List.of(
        new Route("POST", "/v1/invites", c -> invite(node, c.body())),
        new Route("POST", "/v1/pair", c -> pair(node, c.body())),
        new Route("GET", "/v1/peers", c -> peers(node)),
        new Route("PATCH", "/v1/peers/{peer}", c -> update(node, c.param(0), c.body())),
        new Route("DELETE", "/v1/peers/{peer}", c -> unpair(node, c.param(0))),
        new Route("POST", "/v1/peers/{peer}/block", c -> peer(node, node.peers().block(c.param(0)))));
  }

  static JsonObject invite(KithNode node, JsonObject body) throws KithException {
    String circle = Json.str(body, "circle", Peer.DEFAULT_CIRCLE);
    long secs = Json.longNum(body, "expiresSeconds", InviteBook.DEFAULT_EXPIRY.toSeconds());
    int uses = Json.integer(body, "uses", 1);
    InviteCode code = node.pairing().invite(circle, Duration.ofSeconds(secs), uses);
    JsonObject o = new JsonObject();
    o.addProperty("code", code.text());
    o.addProperty("circle", circle);
    o.addProperty("uses", uses);
    o.addProperty("expiresAt", Instant.ofEpochSecond(code.expiresAtSeconds()).toString());
    o.add("addresses", Json.strings(code.addresses()));
    o.addProperty("qrSvg", QrSvg.of(code.text()));
    return o;
  }

  static JsonObject pair(KithNode node, JsonObject body) throws KithException {
    String code = Json.str(body, "code", null);
    if (code == null) {
      throw KithException.badInput("give {\"code\": \"kithinv1...\"}");
    }
    long timeout = Math.max(1, Math.min(Json.longNum(body, "timeoutSeconds", 15), MAX_PAIR_TIMEOUT_SECONDS));
    Peer p = node.pairing().pair(code, Json.str(body, "name", null), Json.str(body, "circle", null),
        Duration.ofSeconds(timeout), node.running());
    JsonObject o = peer(node, p);
    // Both fingerprints, so the two people can compare them in person or by phone: a code passed on by
    // someone else would pair with the wrong key, and only this comparison shows it.
    o.addProperty("yourFingerprint", node.id().fingerprint());
    return o;
  }

  static JsonArray peers(KithNode node) {
    JsonArray a = new JsonArray();
    for (Peer p : node.peerBook().all()) {
      a.add(peer(node, p));
    }
    return a;
  }

  static JsonObject peer(KithNode node, Peer p) {
    JsonObject o = Json.peer(p, node.peers().connected(p.id()));
    // How the connection runs now: "lan", "direct" or "room NAME"; null when not connected.
    o.addProperty("link", node.transport().connection(p.id()).map(Rooms::link).orElse(null));
    // The last upgrade from a room to a direct link (spec/PROTOCOL.md 12.4), if one was tried since the start.
    node.directUpgrade().outcome(p.id()).ifPresent(u -> {
      JsonObject up = new JsonObject();
      up.addProperty("state", u.state());
      up.addProperty("tries", u.tries());
      up.addProperty("ms", u.millis());
      o.add("upgrade", up);
    });
    return o;
  }

  static JsonObject update(KithNode node, String ref, JsonObject body) throws KithException {
    Peer p = node.peerBook().find(ref);
    String name = Json.str(body, "name", null);
    String circle = Json.str(body, "circle", null);
    if (name == null && circle == null) {
      throw KithException.badInput("give {\"name\": ...} and/or {\"circle\": ...}");
    }
    if (name != null) {
      p = node.peers().rename(p.id().text(), name);
    }
    if (circle != null) {
      p = node.peers().moveToCircle(p.id().text(), circle);
    }
    return peer(node, p);
  }

  static JsonObject unpair(KithNode node, String ref) throws KithException {
    Peer p = node.peerBook().find(ref);
    boolean told = node.peers().unpair(p.id().text());
    JsonObject o = new JsonObject();
    o.addProperty("id", p.id().text());
    o.addProperty("petname", p.petname());
    o.addProperty("unpaired", true);
    o.addProperty("told", told);
    return o;
  }
}
