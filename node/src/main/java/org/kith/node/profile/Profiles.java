package org.kith.node.profile;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.kith.node.base.KithException;
import org.kith.node.model.Model;
import org.kith.node.notes.Note;
import org.kith.node.notes.NoteStore;
import org.kith.node.records.Held;
import org.kith.node.records.Sharing;
import org.kith.protocol.proto.ProfileContent;
import org.kith.storage.Store;
import org.kith.storage.Vault;

/**
 * Topic profiles of the notes the owner selects by tag: shown, then published as a signed PROFILE record.
 * Notes tagged {@code private} are never part of one.
 *
 * <p>The noise is drawn from a generator seeded with a keyed hash (the vault's lookup key) of the selection,
 * so showing and then publishing the same selection gives exactly the profile that was shown, and asking
 * for it again and again cannot average the noise away.
 */
public final class Profiles {
  /** A profile of a selection: how many notes went in and the topics that came out. */
  public record Profile(List<String> tags, int notes, List<Topic> topics) {}

  private final NoteStore notes;
  private final Model model;
  private final Vault vault;
  private final Sharing sharing;

  public Profiles(NoteStore notes, Model model, Vault vault, Sharing sharing) {
    this.notes = notes;
    this.model = model;
    this.vault = vault;
    this.sharing = sharing;
  }

  /** Tags as typed, comma-separated: without '#', lower case, sorted, no duplicates. */
  public static List<String> tags(String commaSeparated) {
    if (commaSeparated == null || commaSeparated.isBlank()) {
      return List.of();
    }
    return Arrays.stream(commaSeparated.split(",")).map(t -> t.strip().replaceFirst("^#", "").toLowerCase(Locale.ROOT))
        .filter(t -> !t.isEmpty()).distinct().sorted().toList();
  }

  public Profile show(List<String> tags) throws KithException {
    List<Note> selected = select(tags);
    return new Profile(tags, selected.size(), profile(selected));
  }

  /** Publishes the profile of the selection to a circle; refuses when no topic qualifies. */
  public Held publish(List<String> tags, String circle, Duration expiry) throws KithException {
    List<Topic> topics = profile(select(tags));
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
    return sharing.publishProfile(pc.build(), circle, expiry);
  }

  /** The selected notes: any of the tags (all notes when none), never a private one. */
  private List<Note> select(List<String> tags) throws KithException {
    List<Note> out = new ArrayList<>();
    for (Note n : notes.list()) {
      if (n.tags().contains(Sharing.PRIVATE_TAG)) {
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

  private List<Topic> profile(List<Note> selected) throws KithException {
    if (selected.isEmpty()) {
      return List.of();
    }
    List<float[]> vs = model.embed(selected.stream().map(Note::text).toList());
    List<ProfileInput> in = new ArrayList<>();
    for (int i = 0; i < selected.size(); i++) {
      in.add(new ProfileInput(selected.get(i).text(), vs.get(i)));
    }
    StringBuilder selection = new StringBuilder("profile-noise/v1");
    selected.stream().map(n -> n.id().hex()).sorted().forEach(id -> selection.append('/').append(id));
    byte[] seed = vault.lookupKey(Store.META, selection.toString().getBytes(StandardCharsets.UTF_8));
    TopicProfiler profiler = new TopicProfiler(new SplittableRandom(ByteBuffer.wrap(seed).getLong()),
        TopicProfiler.DEFAULT_EPSILON);
    return profiler.profile(in);
  }
}
