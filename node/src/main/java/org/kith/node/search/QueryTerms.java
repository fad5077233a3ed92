package org.kith.node.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;

/**
 * The words of a question that can match a passage: lower-cased, stemmed (Porter: "leaking" and "leaks" are
 * "leak"), without stop words. Besides Lucene's English stop words, the words every question is made of
 * ("who", "how", "can", "should", "I", "my") are dropped: they would match every note that says them.
 */
public record QueryTerms(Set<String> terms) {
  /** Question words that carry no topic; Lucene's list has none of them. */
  static final List<String> QUESTION_WORDS = List.of("who", "whom", "whose", "what", "which", "where", "when",
      "why", "how", "can", "could", "should", "would", "shall", "may", "might", "must", "do", "does", "did",
      "done", "i", "me", "my", "mine", "we", "us", "our", "you", "your", "he", "she", "him", "her", "his", "them",
      "anyone", "anybody", "someone", "somebody", "something", "anything", "any", "some", "here", "around",
      "near", "nearby", "know", "knows", "tell", "please", "get", "got", "have", "has", "had", "am", "been",
      "being", "were", "best", "good", "way", "ways", "about", "there", "thing", "things", "want", "like",
      "one", "also", "from", "up", "out", "so", "just", "very", "much", "many", "often", "still", "again");

  static final CharArraySet STOP_WORDS;

  static {
    CharArraySet s = new CharArraySet(EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, true);
    s.addAll(QUESTION_WORDS);
    STOP_WORDS = CharArraySet.unmodifiableSet(s);
  }

  /** One analyzer for the index, the questions and the highlights, so all three agree on what a word is. */
  static final Analyzer ANALYZER = new EnglishAnalyzer(STOP_WORDS);

  public QueryTerms {
    terms = Set.copyOf(terms);
  }

  public static QueryTerms of(String question) {
    Set<String> out = new LinkedHashSet<>();
    for (Token t : tokens(question)) {
      if (out.size() < LexicalIndex.MAX_QUERY_TERMS) {
        out.add(t.term());
      }
    }
    return new QueryTerms(out);
  }

  /** An analysed word of a text and where it stands (UTF-16 offsets, end exclusive). */
  record Token(String term, int start, int end) {}

  static List<Token> tokens(String text) {
    List<Token> out = new ArrayList<>();
    if (text == null || text.isEmpty()) {
      return out;
    }
    try (TokenStream ts = ANALYZER.tokenStream("text", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      OffsetAttribute off = ts.addAttribute(OffsetAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        out.add(new Token(term.toString(), off.startOffset(), off.endOffset()));
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException("analysing text in memory failed", e);
    }
    return out;
  }
}
