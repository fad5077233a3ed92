package org.kith.node.notes;

import org.kith.node.base.KithException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.kith.node.notes.Passages.Passage;

/**
 * Imports Markdown and text files and folders (recursively; hidden folders such as {@code .obsidian} and
 * {@code .git} are skipped, and counted). Idempotent: each file's content hash and note ids are kept sealed under a
 * keyed hash of its absolute path, so re-importing an unchanged file writes nothing and a changed file updates
 * its notes in place, under the same ids ({@link PassageMatch}). A note's source is the file's path relative to
 * the folder imported ({@code garden/compost.md#1}).
 */
public final class Importer {
  /** Files larger than this are refused: notes, not datasets. */
  public static final long MAX_FILE_BYTES = 4L * 1024 * 1024;
  public static final int MAX_FILES = 100_000;
  static final Set<String> EXTENSIONS = Set.of("md", "markdown", "txt", "text");

  /** Told about each file as it is done (an upload's file is null: it has no path). */
  public interface Progress {
    void start(int totalFiles);

    void done(Path file);

    Progress NONE = new Progress() {
      @Override
      public void start(int totalFiles) {}

      @Override
      public void done(Path file) {}
    };
  }

  private final NoteStore node;

  Importer(NoteStore node) {
    this.node = node;
  }

  NoteStore.ImportResult run(List<Path> paths, Progress progress) throws KithException {
    if (paths.isEmpty()) {
      throw KithException.badInput("name at least one file or folder to import");
    }
    Map<Path, String> files = new TreeMap<>();
    Skipped skipped = new Skipped();
    for (Path p : paths) {
      if (!Files.exists(p)) {
        throw KithException.badInput("no such file or folder: " + p + " (nothing was imported)");
      }
      collect(p.toAbsolutePath().normalize(), files, skipped);
      if (files.size() > MAX_FILES) {
        throw KithException.badInput("more than " + MAX_FILES + " files to import; import folders one at a time");
      }
    }
    progress.start(files.size());
    Tally tally = new Tally(skipped);
    for (Map.Entry<Path, String> e : files.entrySet()) {
      Path f = e.getKey();
      String label = e.getValue();
      byte[] bytes;
      try {
        if (Files.size(f) > MAX_FILE_BYTES) {
          skipped.add(label, Skipped.Reason.TOO_LARGE, "larger than " + (MAX_FILE_BYTES >> 20) + " MiB");
          progress.done(f);
          continue;
        }
        bytes = Files.readAllBytes(f);
      } catch (IOException ex) {
        skipped.add(label, Skipped.Reason.UNREADABLE, "cannot read (" + ex.getClass().getSimpleName() + ")");
        progress.done(f);
        continue;
      }
      String text;
      try {
        text = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
      } catch (CharacterCodingException ex) {
        skipped.add(label, Skipped.Reason.NOT_TEXT, "not UTF-8 text");
        progress.done(f);
        continue;
      }
      if (text.indexOf('\0') >= 0) {
        skipped.add(label, Skipped.Reason.NOT_TEXT, "not text (it holds NUL bytes)");
        progress.done(f);
        continue;
      }
      tally.add(label, bytes, Passages.split(text, fallbackTitle(f.getFileName().toString(), text)),
          node.sourceKey(f));
      progress.done(f);
    }
    return tally.result(files.size());
  }

  /** Counts what importing each source did. */
  private final class Tally {
    final Skipped skipped;
    int imported;
    int updated;
    int unchanged;
    int added;
    int removed;
    final List<NoteId> updatedNotes = new ArrayList<>();

    Tally(Skipped skipped) {
      this.skipped = skipped;
    }

    void add(String label, byte[] bytes, List<Passage> passages, byte[] key) throws KithException {
      if (passages.isEmpty()) {
        skipped.add(label, Skipped.Reason.EMPTY, "empty");
        return;
      }
      NoteStore.Replaced r = node.replaceSource(key, sha256(bytes), passages, label);
      if (r == null) {
        unchanged++;
        return;
      }
      if (r.isNew()) {
        imported++;
      } else {
        updated++;
      }
      added += r.added();
      removed += r.removed();
      updatedNotes.addAll(r.updated());
    }

    NoteStore.ImportResult result(int files) {
      return new NoteStore.ImportResult(files, imported, updated, unchanged, added, updatedNotes.size(), removed,
          List.copyOf(updatedNotes), skipped);
    }
  }

  /**
   * The title of a file's passages that have no heading: a text file's first non-empty line (it has no other
   * place for one), a Markdown file's name without its extension.
   */
  static String fallbackTitle(String fileName, String text) {
    String stem = fileName.replaceFirst("\\.[^.]+$", "");
    if (fileName.toLowerCase(Locale.ROOT).matches(".*\\.(txt|text)$")) {
      String first = Note.firstLine(text);
      return first.isEmpty() ? stem : first;
    }
    return stem;
  }

  /** A document sent by the web page (drag and drop): a file name and its text. */
  public record Upload(String name, String text) {}

  public static final int MAX_UPLOADS = 200;

  /** Imports uploaded documents the way files are imported, note ids kept per file name. */
  NoteStore.ImportResult upload(List<Upload> files, Progress progress) throws KithException {
    if (files.isEmpty()) {
      throw KithException.badInput("no files to import");
    }
    if (files.size() > MAX_UPLOADS) {
      throw KithException.badInput("at most " + MAX_UPLOADS + " files at once");
    }
    for (Upload u : files) {
      String name = u.name() == null ? "" : u.name().strip();
      if (name.isEmpty() || name.length() > 255 || name.contains("/") || name.contains("\\")) {
        throw KithException.badInput("a file name is 1 to 255 characters without slashes: " + name
            + " (nothing was imported)");
      }
    }
    Skipped skipped = new Skipped();
    Tally tally = new Tally(skipped);
    progress.start(files.size());
    int seen = 0;
    for (Upload u : files) {
      if (seen++ > 0) {
        progress.done(null); // the one before
      }
      String name = u.name().strip();
      if (name.startsWith(".")) {
        skipped.add(name, Skipped.Reason.HIDDEN, "hidden file");
        continue;
      }
      if (!accepted(Path.of(name))) {
        skipped.add(name, Skipped.Reason.UNSUPPORTED, "only .md, .markdown and .txt files");
        continue;
      }
      int broken = TextChecks.brokenAt(u.text());
      if (broken > 0) {
        skipped.add(name, Skipped.Reason.NOT_TEXT,
            "not UTF-8 text (a lone UTF-16 surrogate at position " + broken + ")");
        continue;
      }
      String text = u.text() == null ? "" : u.text();
      if (text.indexOf('\0') >= 0) {
        skipped.add(name, Skipped.Reason.NOT_TEXT, "not text (it holds NUL characters)");
        continue;
      }
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      if (bytes.length > MAX_FILE_BYTES) {
        skipped.add(name, Skipped.Reason.TOO_LARGE, "larger than " + (MAX_FILE_BYTES >> 20) + " MiB");
        continue;
      }
      tally.add(name, bytes, Passages.split(text, fallbackTitle(name, text)), node.uploadKey(name));
    }
    progress.done(null);
    return tally.result(files.size());
  }

  /**
   * Adds the importable files under {@code p} with their labels: the path relative to the folder given
   * ({@code garden/compost.md}), or the file name for a file given alone. Hidden files and folders and files
   * of other types are counted as skipped; a file given alone that is not Markdown or text is refused.
   */
  private static void collect(Path p, Map<Path, String> files, Skipped skipped) throws KithException {
    if (Files.isDirectory(p)) {
      try {
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            String n = dir.getFileName() == null ? "" : dir.getFileName().toString();
            if (!dir.equals(p) && n.startsWith(".")) {
              skipped.add(label(p, dir) + "/", Skipped.Reason.HIDDEN, "hidden folder");
              return FileVisitResult.SKIP_SUBTREE;
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (!attrs.isRegularFile()) {
              return FileVisitResult.CONTINUE;
            }
            String label = label(p, file);
            if (file.getFileName().toString().startsWith(".")) {
              skipped.add(label, Skipped.Reason.HIDDEN, "hidden file");
            } else if (!accepted(file)) {
              skipped.add(label, Skipped.Reason.UNSUPPORTED, "only .md, .markdown and .txt files");
            } else {
              files.putIfAbsent(file.toAbsolutePath().normalize(), label);
            }
            return files.size() > MAX_FILES ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) {
            skipped.add(label(p, file), Skipped.Reason.UNREADABLE,
                "cannot read (" + exc.getClass().getSimpleName() + ")");
            return FileVisitResult.CONTINUE;
          }
        });
      } catch (IOException e) {
        throw KithException.badInput("cannot read folder " + p + ": " + e.getMessage());
      }
    } else if (accepted(p)) {
      files.putIfAbsent(p, p.getFileName().toString());
    } else {
      throw KithException.badInput(
          "cannot import " + p + ": only Markdown and text files (.md, .markdown, .txt) and folders of them"
              + " (nothing was imported)");
    }
  }

  /** {@code file} relative to {@code root}, with forward slashes on every system. */
  static String label(Path root, Path file) {
    List<String> parts = new ArrayList<>();
    root.relativize(file).forEach(x -> parts.add(x.toString()));
    return String.join("/", parts);
  }

  static boolean accepted(Path f) {
    String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
    int dot = n.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
