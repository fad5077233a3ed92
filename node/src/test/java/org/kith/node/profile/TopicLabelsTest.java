package org.kith.node.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicLabelsTest {
  /** Labels for the notes at {@code members}, with document frequencies over all {@code texts}. */
  static List<String> labels(List<String> texts, List<Integer> members) {
    List<Set<String>> words = new ArrayList<>();
    Map<String, Integer> df = new HashMap<>();
    for (String t : texts) {
      Set<String> w = TopicLabels.words(t);
      words.add(w);
      w.forEach(x -> df.merge(x, 1, Integer::sum));
    }
    return TopicLabels.choose(texts, words, df, members);
  }

  @Test
  void words_dropUrlsEmailsDigitsStopWordsAndShortTokens() {
    Set<String> words = TopicLabels.words(
        "See https://example.org/Secret-Path and www.private.example or mail ann.lee@example.org:"
            + " The 2024 Bike, bike-shed at 12 Elm St is OK. Don't forget 3rd tyres!");
    assertEquals(Set.of("bike", "shed", "elm", "forget", "3rd", "tyres", "mail"), words);
  }

  @Test
  void words_lowercaseSingleTokens() {
    for (String w : TopicLabels.words("ÉCOLE Straße naïve CAFÉ über-cool x y")) {
      assertTrue(TopicLabels.isLabelWord(w), w);
    }
    assertTrue(TopicLabels.words("école").contains("école"));
  }

  @Test
  void choose_wordInOneNoteOnly_isNeverALabel() {
    List<String> texts = List.of(
        "zanzibarine zanzibarine zanzibarine bike chain brake",
        "bike chain brake wheel",
        "bike chain brake wheel spokes");
    List<String> labels = labels(texts, List.of(0, 1, 2));
    assertFalse(labels.contains("zanzibarine"), labels.toString());
    assertEquals(Set.of("bike", "chain", "brake", "wheel"), Set.copyOf(labels));
  }

  @Test
  void choose_sameTextTwice_doesNotVouchForItsOwnWords() {
    String privateNote = "zanzibarine diagnosis for ann, garden soil compost";
    List<String> texts = List.of(privateNote, privateNote, "garden soil compost tomato");
    List<String> labels = labels(texts, List.of(0, 1, 2));
    assertEquals(List.of("compost", "garden", "soil"), labels);
  }

  @Test
  void choose_fewerThanThreeEligibleWords_returnsWhatThereIs() {
    assertEquals(List.of("bike", "chain"), labels(List.of("bike chain red", "bike chain blue"), List.of(0, 1)));
    assertEquals(List.of(), labels(List.of("apple", "pear"), List.of(0, 1)));
  }

  @Test
  void choose_atMostFiveBestFirst_pluralOfALabelSkipped() {
    List<String> texts = List.of(
        "bike bikes chain brake wheel spoke saddle pedal",
        "bike bikes chain brake wheel spoke saddle pedal",
        "bike bikes chain brake wheel spoke saddle pedal different",
        "garden soil",
        "garden soil");
    List<String> labels = labels(texts, List.of(0, 1, 2));
    assertEquals(5, labels.size());
    assertFalse(labels.contains("bike") && labels.contains("bikes"), labels.toString());
    // All tie on score, so the alphabetically first come first; "bikes" is skipped after "bike".
    assertEquals(List.of("bike", "brake", "chain", "pedal", "saddle"), labels);
  }

  @Test
  void choose_wordsCommonEverywhere_rankBelowWordsOfTheTopic() {
    List<String> texts = List.of(
        "weekend bike chain",
        "weekend bike chain oiled",
        "weekend garden",
        "weekend garden",
        "weekend soil");
    // "weekend" is in every note, so its weight ln(1 + 5/5) is below "bike"'s ln(1 + 5/2).
    assertEquals(List.of("bike", "chain", "weekend"), labels(texts, List.of(0, 1)));
  }
}
