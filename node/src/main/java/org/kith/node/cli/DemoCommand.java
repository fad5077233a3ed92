package org.kith.node.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.kith.node.Home;
import org.kith.node.KithException;
import org.kith.node.PersonalNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Walks one throwaway node through the personal journey: init, import a bundled sample of notes, search by
 * meaning, and look at the disk to see that nothing readable is there.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Try Kith without touching your own vault: a throwaway node in a temporary folder imports a",
      "sample of community notes, answers a few questions by meaning, and shows the vault on disk is ciphertext."})
final class DemoCommand implements Callable<Integer> {
  static final String RESOURCES = "/org/kith/node/demo/";

  /** Words that occur only in the sample notes, some of them in private ones. */
  static final List<String> DISTINCTIVE = List.of(
      "zanzibarine", "quolliwobble", "flibbertigibbetous", "Okonkwo", "darning", "sourdough", "comfrey",
      "vulcanising", "babysitting");

  static final List<String> QUESTIONS = List.of(
      "how do I repair a puncture on my bike?",
      "can someone lend me a ladder or a drill?",
      "what should I do with kitchen scraps and dry leaves?",
      "who looks after children in the evening?");

  @Option(names = "--keep", description = "Keep the temporary home folder instead of deleting it at the end.")
  boolean keep;

  @Override
  public Integer call() throws KithException {
    Kith.Context c = Kith.ctx;
    Terminal t = c.terminal();
    long started = System.nanoTime();
    Path dir;
    try {
      dir = Files.createTempDirectory("kith-demo-");
    } catch (IOException e) {
      throw KithException.badInput("cannot create a temporary folder: " + e.getMessage());
    }
    Home home = new Home(dir.resolve("alice"));
    byte[] rnd = new byte[12];
    new SecureRandom().nextBytes(rnd);
    char[] pass = HexFormat.of().formatHex(rnd).toCharArray();
    try {
      Path notes = unpackSamples(dir.resolve("sample-notes"));
      t.say("== 1. A new node");
      try (PersonalNode node = PersonalNode.init(home, pass, "Alice", c.embedders, c.clock)) {
        t.say("Created Alice's node in " + home.dir() + " with a throwaway passphrase.");
        t.say("  id:          " + node.id().text());
        t.say("  fingerprint: " + node.id().fingerprint());
        t.say("");
        t.say("== 2. Import a folder of Markdown notes (" + countFiles(notes) + " files)");
        PersonalNode.ImportResult r = node.importPaths(List.of(notes), org.kith.node.Importer.Progress.NONE);
        t.say("Imported " + r.files() + " files as " + r.notesAdded() + " passages, each embedded by the local model.");
        PersonalNode.ImportResult again = node.importPaths(List.of(notes), org.kith.node.Importer.Progress.NONE);
        t.say("Imported again: " + again.unchanged() + " files unchanged, " + again.notesAdded() + " passages added.");
        t.say("");
        t.say("== 3. Search by meaning, not by keyword");
        for (String q : QUESTIONS) {
          t.say("? " + q);
          for (PersonalNode.SearchHit h : node.search(q, 3)) {
            t.sayf("    %.3f  %s%s%n", h.score(), h.note().title(), NoteCommands.tagList(h.note().tags()));
          }
        }
      }
      t.say("");
      t.say("== 4. What is on disk");
      scanDisk(t, home.dir());
      t.say("");
      t.say("== 5. A wrong passphrase changes nothing");
      try (PersonalNode ignored = PersonalNode.open(home, "not the passphrase".toCharArray(), c.embedders, c.clock)) {
        throw new IllegalStateException("a wrong passphrase opened the vault");
      } catch (KithException e) {
        t.say("  kith: " + e.getMessage() + "  (exit code " + e.exitCode() + ")");
      }
      t.say("");
      t.sayf("Done in %.1f s. Make your own node with: ./kith init --name YOURNAME%n",
          (System.nanoTime() - started) / 1e9);
    } finally {
      java.util.Arrays.fill(pass, '\0');
      if (keep) {
        t.say("Kept the demo home at " + dir);
      } else {
        deleteTree(dir);
      }
    }
    return 0;
  }

  static Path unpackSamples(Path target) throws KithException {
    try {
      Files.createDirectories(target);
      for (String name : sampleNames()) {
        Path out = target.resolve(name);
        Files.createDirectories(out.getParent());
        try (InputStream in = DemoCommand.class.getResourceAsStream(RESOURCES + name)) {
          if (in == null) {
            throw new IllegalStateException("demo note missing from the jar: " + name);
          }
          Files.copy(in, out);
        }
      }
      return target;
    } catch (IOException e) {
      throw KithException.badInput("cannot write the sample notes: " + e.getMessage());
    }
  }

  static List<String> sampleNames() throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream(RESOURCES + "index.txt")) {
      if (in == null) {
        throw new IllegalStateException("demo index missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    }
  }

  private static long countFiles(Path dir) throws KithException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).count();
    } catch (IOException e) {
      throw KithException.badInput(e.getMessage());
    }
  }

  /** Reads every byte under the home folder and looks for the sample's distinctive words. */
  static void scanDisk(Terminal t, Path home) throws KithException {
    List<Path> files = new ArrayList<>();
    long bytes = 0;
    int found = 0;
    try (Stream<Path> s = Files.walk(home)) {
      s.filter(Files::isRegularFile).forEach(files::add);
      for (Path f : files) {
        byte[] b = Files.readAllBytes(f);
        bytes += b.length;
        String asText = new String(b, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        for (String w : DISTINCTIVE) {
          if (asText.contains(w.toLowerCase(Locale.ROOT))) {
            found++;
            t.say("  FOUND \"" + w + "\" in " + home.relativize(f));
          }
        }
      }
    } catch (IOException e) {
      throw KithException.badInput("cannot scan " + home + ": " + e.getMessage());
    }
    t.say("Read " + files.size() + " files (" + bytes + " bytes) under the home folder, looking for "
        + DISTINCTIVE.size() + " words from the notes (" + String.join(", ", DISTINCTIVE.subList(0, 3)) + ", ...).");
    t.say(found == 0
        ? "  none of them appear: every note, vector and key is sealed with XChaCha20-Poly1305."
        : "  " + found + " found: THIS IS A BUG, please report it.");
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: the folder is in the temp directory.
    }
  }
}
