package org.kith.node.records;

import java.util.HexFormat;
import java.util.Locale;
import org.kith.protocol.proto.NeedContent;
import org.kith.protocol.proto.NoteContent;
import org.kith.protocol.proto.OfferContent;
import org.kith.protocol.proto.ProfileContent;
import org.kith.protocol.proto.RecordKind;
import org.kith.protocol.proto.Retract;
import org.kith.protocol.record.VerifiedRecord;

/** How a record reads: its searchable text, a title and a snippet for lists and answers. */
public final class RecordText {
  static final int SNIPPET_CHARS = 200;

  private RecordText() {}

  /** The searchable text of a record: a note's title and text, an offer's or need's text, a profile's labels. */
  public static String text(VerifiedRecord v) {
    return switch (v.kind()) {
      case NOTE -> {
        NoteContent n = v.content(NoteContent.class);
        yield n.getText().startsWith("# " + n.getTitle()) || n.getTitle().isEmpty() ? n.getText()
            : n.getTitle() + "\n" + n.getText();
      }
      case OFFER -> v.content(OfferContent.class).getText();
      case NEED -> v.content(NeedContent.class).getText();
      case PROFILE -> String.join(", ", v.content(ProfileContent.class).getTopicsList().stream()
          .map(t -> String.join(" ", t.getLabelsList())).toList());
      default -> "";
    };
  }

  /** What a record says, as written: a note's text, an offer's or need's text, a profile's labels. */
  public static String body(VerifiedRecord v) {
    return v.kind() == RecordKind.NOTE ? v.content(NoteContent.class).getText() : text(v);
  }

  public static String snippet(VerifiedRecord v) {
    if (v.kind() == RecordKind.PROFILE) {
      return "topics: " + String.join("; ", v.content(ProfileContent.class).getTopicsList().stream()
          .map(t -> String.join(" ", t.getLabelsList()) + " (" + aboutNotes(t.getNoisyCount()) + ")")
          .toList());
    }
    return snippetOf(v.kind() == RecordKind.NOTE ? v.content(NoteContent.class).getText() : text(v));
  }

  /**
   * A topic's noisy note count in words for people: "about 3 notes". The noise makes the decimals meaningless,
   * and a topic exists only because notes are in it, so it never reads as fewer than one.
   */
  public static String aboutNotes(double noisyCount) {
    long n = Math.max(1, Math.round(noisyCount));
    return "about " + n + (n == 1 ? " note" : " notes");
  }

  /** Markdown headings dropped, whitespace folded, cut at {@value #SNIPPET_CHARS} characters. */
  public static String snippetOf(String text) {
    String t = text.replaceAll("(?m)^#+\\s*", "").replaceAll("\\s+", " ").strip();
    return t.length() <= SNIPPET_CHARS ? t : t.substring(0, SNIPPET_CHARS - 1) + "…";
  }

  public static String title(VerifiedRecord v) {
    return switch (v.kind()) {
      case NOTE -> v.content(NoteContent.class).getTitle();
      case OFFER -> "offer";
      case NEED -> "need";
      case PROFILE -> "topic profile";
      case RETRACT -> "retraction of "
          + HexFormat.of().formatHex(v.content(Retract.class).getRecordId().toByteArray()).substring(0, 12);
      default -> "";
    };
  }

  public static String kindName(RecordKind k) {
    return k.name().toLowerCase(Locale.ROOT);
  }
}
