package org.kith.node.profile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Computes a topic profile from notes the owner selected: at most {@value #MAX_TOPICS} topics, each a
 * centroid, label words and a noisy count (see {@link Topic}). The output holds no note text.
 *
 * <p><b>Clustering.</b> Spherical k-means (see {@link SphericalKMeans}) for every k in {@code 2..min(8,
 * n/2)}, scored by the silhouette in cosine distance; the smallest k whose silhouette is within
 * {@value #SILHOUETTE_TOLERANCE} of the best wins, since splitting a topic in two often scores about as well
 * as keeping it whole. If the best silhouette is below {@value #MIN_SILHOUETTE}, no split is convincing and
 * all notes form one cluster (k = 1); with fewer than 4 notes k is 1 as well. Clusters of fewer than
 * {@value #MIN_NOTES_PER_TOPIC} notes are dropped, as a topic of one note would publish that note's own
 * embedding.
 *
 * <p><b>Labels.</b> See {@link TopicLabels}: only words found in at least two of the topic's notes. A
 * topic with fewer than {@value Topic#MIN_LABELS} such words is <em>dropped</em> rather than published
 * with fewer labels: a profile promises 3 to 5 labels, and a centroid with nothing readable beside it says
 * little to a person and still something about the notes.
 *
 * <p><b>Counts.</b> A topic's count is its number of notes plus Laplace noise of scale {@code 1/epsilon}
 * (adding or removing one note changes one count by 1), clamped at 0 and rounded to one decimal. The noise
 * covers the counts only, for a given clustering; centroids and labels carry no noise.
 *
 * <p>Topics come out ordered by noisy count, largest first. Not safe for concurrent use: it draws from the
 * random generator it was given.
 */
public final class TopicProfiler {
  public static final int MAX_TOPICS = 8;
  /** A topic of one note would publish that note's own embedding. */
  public static final int MIN_NOTES_PER_TOPIC = 2;
  public static final double DEFAULT_EPSILON = 1.0;
  /** Most notes one profile is computed from; more are refused, so the work stays bounded. */
  public static final int MAX_INPUT_NOTES = 5000;
  /**
   * Below this best silhouette all notes are one topic. Unrelated random vectors score about 0; notes on
   * one subject split in two score 0.15 to 0.3 with MiniLM, so such a subject may come out as two topics.
   */
  static final double MIN_SILHOUETTE = 0.1;
  /** A larger k must beat every smaller one by more than this to be chosen. */
  static final double SILHOUETTE_TOLERANCE = 0.02;

  private final RandomGenerator random;
  private final double epsilon;

  /**
   * @param random the source of k-means++ seeds and of the noise; tests pass a seeded one
   * @param epsilon the privacy parameter of the noisy counts; smaller is noisier
   */
  public TopicProfiler(RandomGenerator random, double epsilon) {
    this.random = Objects.requireNonNull(random, "random");
    if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException("epsilon must be finite and > 0: " + epsilon);
    }
    this.epsilon = epsilon;
  }

  /**
   * The topics of {@code notes}; empty if there are fewer than {@value #MIN_NOTES_PER_TOPIC} notes or no
   * cluster qualifies.
   *
   * @throws IllegalArgumentException if there are more than {@value #MAX_INPUT_NOTES} notes, or a vector is
   *     zero, not finite, or of another length than the first
   */
  public List<Topic> profile(List<ProfileInput> notes) {
    Objects.requireNonNull(notes, "notes");
    if (notes.size() > MAX_INPUT_NOTES) {
      throw new IllegalArgumentException(
          "too many notes for a profile: " + notes.size() + " > MAX_INPUT_NOTES " + MAX_INPUT_NOTES);
    }
    if (notes.size() < MIN_NOTES_PER_TOPIC) {
      return List.of();
    }
    float[][] points = unitVectors(notes);
    SphericalKMeans.Clustering clustering = chooseClustering(points);

    List<String> texts = new ArrayList<>(notes.size());
    List<Set<String>> noteWords = new ArrayList<>(notes.size());
    Map<String, Integer> documentFrequency = new HashMap<>();
    for (ProfileInput note : notes) {
      Set<String> words = TopicLabels.words(note.text());
      texts.add(note.text());
      noteWords.add(words);
      for (String w : words) {
        documentFrequency.merge(w, 1, Integer::sum);
      }
    }

    List<List<Integer>> members = new ArrayList<>();
    for (int c = 0; c < clustering.k(); c++) {
      members.add(new ArrayList<>());
    }
    for (int i = 0; i < points.length; i++) {
      members.get(clustering.assignment()[i]).add(i);
    }

    List<Topic> topics = new ArrayList<>();
    for (int c = 0; c < clustering.k(); c++) {
      List<Integer> m = members.get(c);
      if (m.size() < MIN_NOTES_PER_TOPIC) {
        continue;
      }
      List<String> labels = TopicLabels.choose(texts, noteWords, documentFrequency, m);
      if (labels.size() < Topic.MIN_LABELS) {
        continue;
      }
      float[] centroid = centroid(points, m);
      if (centroid == null) {
        // Members that cancel out have no direction to publish; a member's own vector must not stand in.
        continue;
      }
      topics.add(new Topic(centroid, labels, noisyCount(m.size())));
    }
    topics.sort(
        Comparator.comparingDouble((Topic t) -> -t.noisyCount())
            .thenComparing(t -> String.join(" ", t.labels())));
    return List.copyOf(topics);
  }

  /** The clustering chosen by the rule in the class comment. */
  SphericalKMeans.Clustering chooseClustering(float[][] points) {
    int maxK = Math.min(MAX_TOPICS, points.length / MIN_NOTES_PER_TOPIC);
    List<SphericalKMeans.Clustering> candidates = new ArrayList<>();
    List<Double> silhouettes = new ArrayList<>();
    double best = Double.NEGATIVE_INFINITY;
    for (int k = 2; k <= maxK; k++) {
      SphericalKMeans.Clustering c = SphericalKMeans.cluster(points, k, random);
      double s = SphericalKMeans.silhouette(points, c);
      candidates.add(c);
      silhouettes.add(s);
      best = Math.max(best, s);
    }
    if (candidates.isEmpty() || best < MIN_SILHOUETTE) {
      float[] all = centroid(points, allIndexes(points.length));
      return SphericalKMeans.lloyd(points, new float[][] {all != null ? all : points[0].clone()});
    }
    for (int i = 0; ; i++) {
      if (silhouettes.get(i) >= best - SILHOUETTE_TOLERANCE) {
        return candidates.get(i);
      }
    }
  }

  private double noisyCount(int count) {
    double noisy = count + Laplace.sample(random, 1 / epsilon);
    return Math.max(0, Math.round(noisy * 10) / 10.0);
  }

  private static float[][] unitVectors(List<ProfileInput> notes) {
    int dims = -1;
    float[][] points = new float[notes.size()][];
    for (int i = 0; i < notes.size(); i++) {
      ProfileInput note = notes.get(i);
      if (note == null) {
        throw new IllegalArgumentException("note " + i + " is null");
      }
      float[] v = note.vectorView();
      if (dims < 0) {
        dims = v.length;
      } else if (v.length != dims) {
        throw new IllegalArgumentException(
            "note " + i + " has a " + v.length + "-d vector, note 0 a " + dims + "-d one");
      }
      double[] d = new double[v.length];
      for (int j = 0; j < v.length; j++) {
        if (!Float.isFinite(v[j])) {
          throw new IllegalArgumentException("note " + i + " has a non-finite vector component");
        }
        d[j] = v[j];
      }
      // Renormalised here so that dot products are cosines even if a caller's vector drifted.
      float[] unit = SphericalKMeans.normalise(d);
      if (unit == null) {
        throw new IllegalArgumentException("note " + i + " has a zero vector");
      }
      points[i] = unit;
    }
    return points;
  }

  /** The unit mean of the members' vectors, or null if they cancel out. */
  private static float[] centroid(float[][] points, List<Integer> members) {
    double[] sum = new double[points[0].length];
    for (int i : members) {
      for (int d = 0; d < sum.length; d++) {
        sum[d] += points[i][d];
      }
    }
    return SphericalKMeans.normalise(sum);
  }

  private static List<Integer> allIndexes(int n) {
    List<Integer> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      all.add(i);
    }
    return all;
  }
}
