package org.kith.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.List;
import org.kith.node.app.KithNode;
import org.kith.node.base.KithException;
import org.kith.node.api.Router.Route;
import org.kith.node.reach.Rooms;

/** The node's rooms: {@code /v1/rooms} (spec/API.md). */
final class RoomRoutes {
  /** Longest a join may wait for the room, whatever the request asks. */
  static final long MAX_JOIN_TIMEOUT_SECONDS = 60;

  private RoomRoutes() {}

  static List<Route> routes(KithNode node) {
    return List.of(
        new Route("GET", "/v1/rooms", c -> list(node)),
        new Route("POST", "/v1/rooms", c -> join(node, c.body())),
        new Route("DELETE", "/v1/rooms/{room}", c -> leave(node, c.param(0))));
  }

  static JsonArray list(KithNode node) throws KithException {
    JsonArray a = new JsonArray();
    for (Rooms.Status s : node.rooms().list()) {
      JsonObject o = room(s.room());
      o.addProperty("connected", s.connected());
      o.addProperty("problem", s.problem());
      a.add(o);
    }
    return a;
  }

  static JsonObject room(Rooms.Room r) {
    JsonObject o = new JsonObject();
    o.addProperty("id", r.id().text());
    o.addProperty("name", r.name());
    o.addProperty("address", r.address().toString());
    return o;
  }

  static JsonObject join(KithNode node, JsonObject body) throws KithException {
    String code = Json.str(body, "code", null);
    if (code == null) {
      throw KithException.badInput("give {\"code\": \"kithroom1...\"}");
    }
    long timeout = Math.max(1, Math.min(Json.longNum(body, "timeoutSeconds", 15), MAX_JOIN_TIMEOUT_SECONDS));
    JsonObject o = room(node.rooms().join(code, Duration.ofSeconds(timeout)));
    o.addProperty("running", node.running());
    return o;
  }

  /**
   * A room's name may hold spaces, so the CLI percent-encodes the segment. The HTTP server hands routes decoded
   * paths and an in-process call does not, so the name is looked up as given, then decoded.
   */
  static JsonObject leave(KithNode node, String ref) throws KithException {
    Rooms.Room r;
    try {
      r = node.rooms().find(ref);
    } catch (KithException asGiven) {
      String decoded;
      try {
        decoded = java.net.URLDecoder.decode(ref, java.nio.charset.StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw asGiven;
      }
      if (decoded.equals(ref)) {
        throw asGiven;
      }
      r = node.rooms().find(decoded);
    }
    JsonObject o = room(node.rooms().leave(r.id().text()));
    o.addProperty("left", true);
    return o;
  }
}
