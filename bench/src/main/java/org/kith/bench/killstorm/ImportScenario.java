package org.kith.bench.killstorm;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code kith note import FOLDER} of {@link #FILES} new Markdown files, each one passage under a heading that
 * starts with its marker. Acknowledged once the command printed its summary: then every file's passage must stay.
 */
final class ImportScenario extends OneShotScenario {
  static final int FILES = 30;
  private int folders;

  ImportScenario(Storm storm, int quota, long seed) {
    super("import", storm, quota, seed);
  }

  @Override
  String[] command(List<String> markers) throws IOException {
    Path dir = storm.scratch.resolve("import").resolve("folder-" + (++folders));
    Files.createDirectories(dir);
    for (int i = 0; i < FILES; i++) {
      String marker = storm.marker("i");
      markers.add(marker);
      Files.writeString(dir.resolve(String.format(Locale.ROOT, "note-%02d.md", i)),
          "# " + marker + " imported note " + i + "\n\nA short passage the kill storm imports from a folder of"
              + " Markdown files, number " + i + ", about mending bicycles and sharing ladders.\n",
          StandardCharsets.UTF_8);
    }
    return new String[] {"note", "import", dir.toString()};
  }

  @Override
  int acknowledge(String stdout, List<String> markers) {
    JsonObject o = printedObject(stdout);
    if (o == null || !o.has("notesAdded")) {
      return 0;
    }
    if (o.get("notesAdded").getAsInt() != markers.size()) {
      tally.failures++;
      log("an import reported " + o.get("notesAdded") + " passages added for " + markers.size() + " new files: " + o);
    }
    markers.forEach(m -> ledger.add(m, null));
    return markers.size();
  }
}
