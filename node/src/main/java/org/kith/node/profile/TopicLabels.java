package org.kith.node.profile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Label words for a topic, chosen so that nothing said by only one note can be published.
 *
 * <p>A note's words are its lowercased runs of letters and digits, after URLs and e-mail addresses are cut
 * out and apostrophes dropped ("don't" is "dont"), keeping those of at least {@value #MIN_WORD_LENGTH}
 * characters that hold a letter and are not English stop words. A word is eligible for a topic only if
 * {@value #MIN_NOTES_PER_LABEL} or more of the topic's notes with different texts contain it: a name or a
 * diagnosis written in one note (or in one note saved twice) is never a label. Eligible words are ranked by
 * {@code (df_topic / n_topic) * ln(1 + N / df_all)}: how common the word is in the topic, weighted by how
 * rare it is across all N selected notes. Ties go to the alphabetically first word. A word is skipped when
 * its form with or without a trailing "s" is already a label, and at most {@value Topic#MAX_LABELS} are taken.
 */
final class TopicLabels {
  static final int MIN_WORD_LENGTH = 3;
  static final int MIN_NOTES_PER_LABEL = 2;
  /** Only this much of each note is read for words, so the work per note is bounded whatever its size. */
  static final int MAX_CHARS_PER_NOTE = 65_536;
  /** Longer "words" are hashes, keys or encoded data, not labels. */
  static final int MAX_WORD_LENGTH = 32;

  private static final Pattern URL_OR_EMAIL =
      Pattern.compile("(?i)\\b(?:[a-z][a-z0-9+.-]*://|www\\.)\\S*|\\S+@\\S+");
  private static final Pattern APOSTROPHE = Pattern.compile("['\u2019]");
  private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
  private static final Pattern LABEL_WORD = Pattern.compile("[\\p{L}\\p{N}]+");

  static final Set<String> STOP_WORDS = Set.copyOf(Arrays.asList((""
          + "a about above after again against all almost also although always am among an and another any"
          + " anybody anyone anything anyway anywhere are aren around as at away back be became because become"
          + " been before being below between both but by can cannot cant could couldnt did didnt do does"
          + " doesnt doing done dont down during each either else enough even ever every everyone everything"
          + " few for from further get gets getting got had hadnt has hasnt have havent having he hed her"
          + " here hers herself hes him himself his how however ill im into is isnt it its itself ive just"
          + " least less let lets like made make makes many may maybe me might mine more most much must my"
          + " myself need needs neither never new next nor not nothing now off often old once one only onto or"
          + " other others otherwise our ours ourselves out over own per perhaps put quite rather really same"
          + " see seem seems several shall she shes should shouldnt since some somebody someone"
          + " something sometimes somewhere still such take than that thats the their theirs them themselves"
          + " then there theres these they theyd theyll theyre theyve thing things this those though through"
          + " thus till to too toward towards under until upon use used uses using very via was wasnt way we"
          + " well went were werent weve what whatever whats when whenever where whereas wherever whether"
          + " which while who whoever whole whom whose why will with within without wont would wouldnt yes yet"
          + " you youd youll your youre yours yourself yourselves youve")
      .split(" ")));

  private TopicLabels() {}

  /** The distinct label-candidate words of one note's text. */
  static Set<String> words(String text) {
    String s = text.length() > MAX_CHARS_PER_NOTE ? text.substring(0, MAX_CHARS_PER_NOTE) : text;
    s = URL_OR_EMAIL.matcher(s).replaceAll(" ");
    s = APOSTROPHE.matcher(s).replaceAll("");
    s = s.toLowerCase(Locale.ROOT);
    Set<String> out = new HashSet<>();
    for (String token : NON_WORD.split(s)) {
      if (token.length() >= MIN_WORD_LENGTH
          && token.length() <= MAX_WORD_LENGTH
          && hasLetter(token)
          && !STOP_WORDS.contains(token)) {
        out.add(token);
      }
    }
    return out;
  }

  /** Whether {@code s} has the shape of a label: one lowercase word of letters and digits. */
  static boolean isLabelWord(String s) {
    return s.length() >= MIN_WORD_LENGTH
        && s.length() <= MAX_WORD_LENGTH
        && LABEL_WORD.matcher(s).matches()
        && hasLetter(s)
        && s.equals(s.toLowerCase(Locale.ROOT));
  }

  private static boolean hasLetter(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isLetter(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Up to {@link Topic#MAX_LABELS} labels for the notes at {@code members}, best first; fewer (possibly none)
   * when fewer words are eligible.
   *
   * @param texts the text of every selected note, for telling duplicates apart
   * @param noteWords {@link #words} of every selected note, in the same order
   * @param documentFrequency for each word, how many selected notes contain it
   */
  static List<String> choose(
      List<String> texts,
      List<Set<String>> noteWords,
      Map<String, Integer> documentFrequency,
      List<Integer> members) {
    // Support counts notes with distinct texts, so a note saved twice does not vouch for its own words.
    Map<String, Set<String>> textsContaining = new HashMap<>();
    Map<String, Integer> topicFrequency = new HashMap<>();
    for (int i : members) {
      for (String w : noteWords.get(i)) {
        textsContaining.computeIfAbsent(w, x -> new HashSet<>()).add(texts.get(i));
        topicFrequency.merge(w, 1, Integer::sum);
      }
    }
    double n = members.size();
    double total = noteWords.size();
    Map<String, Double> score = new HashMap<>();
    for (var e : textsContaining.entrySet()) {
      if (e.getValue().size() >= MIN_NOTES_PER_LABEL) {
        String w = e.getKey();
        score.put(w, topicFrequency.get(w) / n * Math.log(1 + total / documentFrequency.get(w)));
      }
    }
    List<String> ranked = new ArrayList<>(new TreeSet<>(score.keySet()));
    ranked.sort(Comparator.comparingDouble((String w) -> -score.get(w)));
    List<String> labels = new ArrayList<>();
    for (String w : ranked) {
      if (labels.size() == Topic.MAX_LABELS) {
        break;
      }
      String other = w.endsWith("s") ? w.substring(0, w.length() - 1) : w + "s";
      if (!labels.contains(other)) {
        labels.add(w);
      }
    }
    return labels;
  }
}
