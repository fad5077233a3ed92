package org.kith.node.api;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.kith.node.KithException;
import org.kith.node.NodeServices;
import org.kith.node.aggregate.ProfileInput;
import org.kith.node.aggregate.Topic;
import org.kith.node.aggregate.TopicProfiler;
import org.kith.node.notes.Note;
import org.kith.node.share.SharedRecords;
import org.kith.protocol.proto.ProfileContent;
import org.kith.storage.Store;

/**
 * {@code GET /v1/profile} shows, and {@code POST /v1/profile/publish} shares, the topic profile of the notes
 * the owner selects by tag. Notes tagged {@code private} are never part of it.
 *
 * <p>The noise is drawn from a generator seeded with a keyed hash (the vault's lookup key) of the selection,
 * so showing and then publishing the same selection gives exactly the profile that was shown, and asking
 * for it again and again cannot average the noise away.
 */
final class ProfileRoutes {
  private ProfileRoutes() {}

  static JsonElement handle(NodeServices services, String method, String[] parts, Router.Request r)
      throws KithException {
    if (parts.length == 1) {
      return Router.only(method, "GET", () -> show(services, tags(r.query().get("tag"))));
    }
    if (parts.length == 2 && parts[1].equals("publish")) {
      return Router.only(method, "POST", () -> publish(services, r.body()));
    }
    throw new Router.NotFound("no such API path: " + r.path());
  }

  static List<String> tags(String commaSeparated) {
    if (commaSeparated == null || commaSeparated.isBlank()) {
      return List.of();
    }
    return Arrays.stream(commaSeparated.split(",")).map(t -> t.strip().replaceFirst("^#", "").toLowerCase(Locale.ROOT))
        .filter(t -> !t.isEmpty()).distinct().sorted().toList();
  }

  /** The selected notes: any of the tags (all notes when none), never a private one. */
  static List<Note> select(NodeServices services, List<String> tags) throws KithException {
    List<Note> out = new ArrayList<>();
    for (Note n : services.node().listNotes()) {
      if (n.tags().contains(SharedRecords.PRIVATE_TAG)) {
        continue;
      }
      if (tags.isEmpty() || n.tags().stream().anyMatch(tags::contains)) {
        out.add(n);
      }
    }
    if (out.size() > TopicProfiler.MAX_INPUT_NOTES) {
      throw KithException.badInput(out.size() + " notes selected; a profile takes at most "
          + TopicProfiler.MAX_INPUT_NOTES + ": select fewer with --tag");
    }
    return out;
  }

  static List<Topic> profile(NodeServices services, List<Note> notes) throws KithException {
    if (notes.isEmpty()) {
      return List.of();
    }
    List<float[]> vs = services.node().embed(notes.stream().map(Note::text).toList());
    List<ProfileInput> in = new ArrayList<>();
    StringBuilder selection = new StringBuilder("profile-noise/v1");
    for (int i = 0; i < notes.size(); i++) {
      in.add(new ProfileInput(notes.get(i).text(), vs.get(i)));
    }
    notes.stream().map(n -> n.id().hex()).sorted().forEach(id -> selection.append('/').append(id));
    byte[] seed = services.node().vault().lookupKey(Store.META, selection.toString().getBytes(StandardCharsets.UTF_8));
    TopicProfiler profiler = new TopicProfiler(new SplittableRandom(ByteBuffer.wrap(seed).getLong()),
        TopicProfiler.DEFAULT_EPSILON);
    return profiler.profile(in);
  }

  static JsonObject show(NodeServices services, List<String> tags) throws KithException {
    List<Note> notes = select(services, tags);
    List<Topic> topics = profile(services, notes);
    JsonObject o = new JsonObject();
    o.add("tags", Json.strings(tags));
    o.addProperty("notes", notes.size());
    o.addProperty("epsilon", TopicProfiler.DEFAULT_EPSILON);
    JsonArray a = new JsonArray();
    for (Topic t : topics) {
      JsonObject x = new JsonObject();
      x.add("labels", Json.strings(t.labels()));
      x.addProperty("noisyCount", t.noisyCount());
      a.add(x);
    }
    o.add("topics", a);
    return o;
  }

  static JsonObject publish(NodeServices services, JsonObject body) throws KithException {
    String circle = ShareRoutes.circle(body);
    List<String> tags = new ArrayList<>();
    if (body.has("tags") && body.get("tags").isJsonArray()) {
      body.getAsJsonArray("tags").forEach(e -> tags.add(e.getAsString()));
    }
    List<String> norm = tags(String.join(",", tags));
    List<Topic> topics = profile(services, select(services, norm));
    if (topics.isEmpty()) {
      throw KithException.badInput("no topic qualifies for a profile (a topic needs at least "
          + TopicProfiler.MIN_NOTES_PER_TOPIC + " notes sharing " + Topic.MIN_LABELS + " words); add notes or"
          + " choose other tags (nothing was published)");
    }
    ProfileContent.Builder pc = ProfileContent.newBuilder();
    for (Topic t : topics) {
      ProfileContent.Topic.Builder tb = ProfileContent.Topic.newBuilder().addAllLabels(t.labels())
          .setNoisyCount(t.noisyCount());
      for (float f : t.centroid()) {
        tb.addCentroid(f);
      }
      pc.addTopics(tb);
    }
    JsonObject o = ShareRoutes.withAudienceSize(services, ShareRoutes.record(
        services.records().publishProfile(pc.build(), circle,
        ShareRoutes.expiry(body, SharedRecords.DEFAULT_OFFER_EXPIRY))));
    o.addProperty("topics", topics.size());
    return o;
  }
}
