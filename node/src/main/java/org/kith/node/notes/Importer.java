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
import java.util.Set;
import java.util.TreeSet;
import org.kith.node.notes.Passages.Passage;
import org.kith.node.notes.TextChecks;

/**
 * Imports Markdown and text files and folders (recursively; hidden folders such as {@code .obsidian} and
 * {@code .git} are skipped). Idempotent: each file's content hash is kept sealed under a keyed hash of its
 * path, so re-importing an unchanged file adds nothing and a changed file replaces its earlier passages.
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
    Set<Path> files = new TreeSet<>();
    List<String> skipped = new ArrayList<>();
    for (Path p : paths) {
      if (!Files.exists(p)) {
        throw KithException.badInput("no such file or folder: " + p + " (nothing was imported)");
      }
      collect(p.toAbsolutePath().normalize(), files, skipped, true);
      if (files.size() > MAX_FILES) {
        throw KithException.badInput("more than " + MAX_FILES + " files to import; import folders one at a time");
      }
    }
    progress.start(files.size());
    int unchanged = 0;
    int updated = 0;
    int added = 0;
    int removed = 0;
    for (Path f : files) {
      byte[] bytes;
      try {
        if (Files.size(f) > MAX_FILE_BYTES) {
          skipped.add(f + ": larger than " + (MAX_FILE_BYTES >> 20) + " MiB");
          progress.done(f);
          continue;
        }
        bytes = Files.readAllBytes(f);
      } catch (IOException e) {
        skipped.add(f + ": cannot read (" + e.getMessage() + ")");
        progress.done(f);
        continue;
      }
      String text;
      try {
        text = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
      } catch (CharacterCodingException e) {
        skipped.add(f + ": not UTF-8 text");
        progress.done(f);
        continue;
      }
      String stem = f.getFileName().toString().replaceFirst("\\.[^.]+$", "");
      List<Passage> passages = Passages.split(text, stem);
      if (passages.isEmpty()) {
        skipped.add(f + ": empty");
        progress.done(f);
        continue;
      }
      NoteStore.Replaced r = node.replaceSource(node.sourceKey(f), sha256(bytes), passages, f.getFileName().toString());
      if (r == null) {
        unchanged++;
      } else {
        updated++;
        added += r.added();
        removed += r.removed();
      }
      progress.done(f);
    }
    return new NoteStore.ImportResult(files.size(), unchanged, updated, added, removed, skipped);
  }

  /** A document sent by the web page (drag and drop): a file name and its text. */
  public record Upload(String name, String text) {}

  public static final int MAX_UPLOADS = 200;

  /** Imports uploaded documents the way files are imported, idempotent per file name. */
  NoteStore.ImportResult upload(List<Upload> files, Progress progress) throws KithException {
    if (files.isEmpty()) {
      throw KithException.badInput("no files to import");
    }
    if (files.size() > MAX_UPLOADS) {
      throw KithException.badInput("at most " + MAX_UPLOADS + " files at once");
    }
    int unchanged = 0;
    int updated = 0;
    int added = 0;
    int removed = 0;
    List<String> skipped = new ArrayList<>();
    progress.start(files.size());
    int seen = 0;
    for (Upload u : files) {
      if (seen++ > 0) {
        progress.done(null); // the one before
      }
      String name = u.name() == null ? "" : u.name().strip();
      if (name.isEmpty() || name.length() > 255 || name.contains("/") || name.contains("\\")) {
        throw KithException.badInput("a file name is 1 to 255 characters without slashes: " + name);
      }
      if (!accepted(Path.of(name))) {
        skipped.add(name + ": only .md, .markdown and .txt files");
        continue;
      }
      int broken = TextChecks.brokenAt(u.text());
      if (broken > 0) {
        skipped.add(name + ": not UTF-8 text (a lone UTF-16 surrogate at position " + broken + ")");
        continue;
      }
      byte[] bytes = u.text() == null ? new byte[0] : u.text().getBytes(StandardCharsets.UTF_8);
      if (bytes.length > MAX_FILE_BYTES) {
        skipped.add(name + ": larger than " + (MAX_FILE_BYTES >> 20) + " MiB");
        continue;
      }
      List<Passage> passages = Passages.split(u.text() == null ? "" : u.text(), name.replaceFirst("\\.[^.]+$", ""));
      if (passages.isEmpty()) {
        skipped.add(name + ": empty");
        continue;
      }
      NoteStore.Replaced r = node.replaceSource(node.uploadKey(name), sha256(bytes), passages, name);
      if (r == null) {
        unchanged++;
      } else {
        updated++;
        added += r.added();
        removed += r.removed();
      }
    }
    progress.done(null);
    return new NoteStore.ImportResult(files.size(), unchanged, updated, added, removed, skipped);
  }

  private static void collect(Path p, Set<Path> files, List<String> skipped, boolean explicit)
      throws KithException {
    if (Files.isDirectory(p)) {
      try {
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            String n = dir.getFileName() == null ? "" : dir.getFileName().toString();
            return !dir.equals(p) && n.startsWith(".") ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile() && accepted(file) && !file.getFileName().toString().startsWith(".")) {
              files.add(file.toAbsolutePath().normalize());
            }
            return files.size() > MAX_FILES ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) {
            skipped.add(file + ": cannot read (" + exc.getMessage() + ")");
            return FileVisitResult.CONTINUE;
          }
        });
      } catch (IOException e) {
        throw KithException.badInput("cannot read folder " + p + ": " + e.getMessage());
      }
    } else if (accepted(p)) {
      files.add(p);
    } else if (explicit) {
      throw KithException.badInput(
          "cannot import " + p + ": only Markdown and text files (.md, .markdown, .txt) and folders of them");
    }
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
