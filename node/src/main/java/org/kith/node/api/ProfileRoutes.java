package org.kith.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import org.kith.node.app.KithNode;
import org.kith.node.base.KithException;
import org.kith.node.api.Router.Route;
import org.kith.node.profile.Profiles;
import org.kith.node.profile.Topic;
import org.kith.node.profile.TopicProfiler;
import org.kith.node.records.Held;
import org.kith.node.records.Sharing;

/** {@code GET /v1/profile} shows, and {@code POST /v1/profile/publish} shares, a topic profile. */
final class ProfileRoutes {
  private ProfileRoutes() {}

  static List<Route> routes(KithNode node) {
    return List.of(
        new Route("GET", "/v1/profile", c -> show(node, Profiles.tags(c.query("tag")))),
        new Route("POST", "/v1/profile/publish", c -> publish(node, c.body())));
  }

  static JsonObject show(KithNode node, List<String> tags) throws KithException {
    Profiles.Profile p = node.profiles().show(tags);
    JsonObject o = new JsonObject();
    o.add("tags", Json.strings(tags));
    o.addProperty("notes", p.notes());
    o.addProperty("epsilon", TopicProfiler.DEFAULT_EPSILON);
    JsonArray a = new JsonArray();
    for (Topic t : p.topics()) {
      JsonObject x = new JsonObject();
      x.add("labels", Json.strings(t.labels()));
      x.addProperty("noisyCount", t.noisyCount());
      a.add(x);
    }
    o.add("topics", a);
    return o;
  }

  static JsonObject publish(KithNode node, JsonObject body) throws KithException {
    String circle = ShareRoutes.circle(body);
    List<String> tags = Profiles.tags(String.join(",", Json.strings(body, "tags")));
    Held h = node.profiles().publish(tags, circle, ShareRoutes.expiry(body, Sharing.DEFAULT_OFFER_EXPIRY));
    JsonObject o = ShareRoutes.withAudienceSize(node, ShareRoutes.record(h, null));
    o.addProperty("topics", h.record.content(org.kith.protocol.proto.ProfileContent.class).getTopicsCount());
    return o;
  }
}
