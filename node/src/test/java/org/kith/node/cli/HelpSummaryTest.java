package org.kith.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's one-line summary (the first line of its description, which `kith --help` and
 * `kith COMMAND --help` list beside the command's name) is a whole sentence, never a line cut mid-sentence
 * such as "…proves the code,".
 */
class HelpSummaryTest {
  @Test
  void everyCommandsSummary_isAWholeSentence() {
    List<String> bad = new ArrayList<>();
    walk(new CommandLine(new Kith()), bad);
    assertEquals(List.of(), bad, "summaries that are not one whole sentence");
  }

  @Test
  void summaryCheck_refusesACutLine() {
    assertEquals(false, wholeSentence("Pair with the person who gave you an invite code: connects, proves the code,"));
    assertEquals(false, wholeSentence("Download the model and serve"));
    assertEquals(false, wholeSentence("show one note."));
    assertEquals(true, wholeSentence("Show one note in full."));
    assertEquals(true, wholeSentence("Give a peer a new petname (only you see it)."));
  }

  private static void walk(CommandLine cl, List<String> bad) {
    String name = cl.getCommandSpec().qualifiedName();
    // What picocli lists beside a command's name: the first line of its header, else of its description.
    String[] header = cl.getCommandSpec().usageMessage().header();
    String[] description = cl.getCommandSpec().usageMessage().description();
    String summary = header.length > 0 ? header[0] : description.length == 0 ? "" : description[0];
    if (!wholeSentence(summary)) {
      bad.add(name + ": \"" + summary + "\"");
    }
    // A command with aliases is listed once per name; walk it once.
    for (CommandLine sub : new java.util.LinkedHashSet<>(cl.getSubcommands().values())) {
      walk(sub, bad);
    }
  }

  /** Starts with a capital letter, ends with a full stop (or ? or !), and has no full stop cut off after it. */
  static boolean wholeSentence(String s) {
    String t = s == null ? "" : s.strip();
    return !t.isEmpty() && Character.isUpperCase(t.codePointAt(0)) && t.matches(".*[.?!][)\"”]?");
  }
}
