package org.kith.node.notes;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.Normalizer;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.kith.node.base.KithException;

/**
 * Notes written out as Markdown files that {@code kith note import} reads back: one file per note, named by the
 * start of its id and a slug of its title, with title, tags, creation time, source and id in a small front matter
 * and the text unchanged after it. {@code kith vault salvage} writes what still decrypts of a damaged vault this
 * way. The files hold notes in plaintext, so the folder is 0700 and every file 0600.
 */
public final class MarkdownExport {
  /** Characters of the title kept in a file name. */
  public static final int MAX_SLUG_CHARS = 48;

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
  private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private final Path dir;
  private final boolean posix;

  private MarkdownExport(Path dir, boolean posix) {
    this.dir = dir;
    this.posix = posix;
  }

  /**
   * Prepares {@code dir}, which must not exist or be an empty folder: creates it (and its parents) and sets it to
   * 0700.
   */
  public static MarkdownExport into(Path dir) throws KithException {
    Path d = dir.toAbsolutePath().normalize();
    try {
      if (Files.exists(d, LinkOption.NOFOLLOW_LINKS)) {
        if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) || !isEmpty(d)) {
          throw KithException.badInput(d + " exists and is not an empty folder: choose a new or empty folder"
              + " (nothing was written)");
        }
      } else {
        Files.createDirectories(d.getParent());
        Files.createDirectory(d);
      }
      boolean posix = Files.getFileStore(d).supportsFileAttributeView("posix");
      if (posix) {
        // Set after creation: the umask masks a mode given at creation.
        Files.setPosixFilePermissions(d, DIR);
      }
      return new MarkdownExport(d, posix);
    } catch (IOException e) {
      throw KithException.badInput("cannot create the folder " + d + ": " + e.getMessage() + " (nothing was written)");
    }
  }

  private static boolean isEmpty(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.findAny().isEmpty();
    }
  }

  public Path dir() {
    return dir;
  }

  /**
   * Writes one note as a new 0600 file and returns it. Never overwrites: if the short name is taken (two ids that
   * start alike), the file is named by the full id; if that is taken too, this note was written already and null
   * is returned.
   */
  public Path write(Note n) throws IOException {
    byte[] content = render(n).getBytes(StandardCharsets.UTF_8);
    for (boolean fullId : new boolean[] {false, true}) {
      Path f = dir.resolve(fileName(n, fullId));
      try (SeekableByteChannel ch = posix
          ? Files.newByteChannel(f, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(FILE))
          : Files.newByteChannel(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        if (posix) {
          Files.setPosixFilePermissions(f, FILE);
        }
        ByteBuffer b = ByteBuffer.wrap(content);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        return f;
      } catch (FileAlreadyExistsException e) {
        // Try the longer name, then give up: see above.
      }
    }
    return null;
  }

  /** {@code 3fa2b1c0-the-repair-cafe.md}: the first 8 hex digits of the id (or all 32) and a slug of the title. */
  static String fileName(Note n, boolean fullId) {
    String id = fullId ? n.id().hex() : n.id().hex().substring(0, 8);
    String slug = slug(n.title());
    return id + (slug.isEmpty() ? "" : "-" + slug) + ".md";
  }

  /** Lower-case ASCII letters and digits joined by single hyphens, accents dropped; empty if nothing is left. */
  static String slug(String title) {
    String plain = Normalizer.normalize(title == null ? "" : title, Normalizer.Form.NFKD)
        .replaceAll("\\p{M}+", "")
        .toLowerCase(Locale.ROOT);
    StringBuilder out = new StringBuilder();
    boolean hyphen = false;
    for (int i = 0; i < plain.length() && out.length() < MAX_SLUG_CHARS; i++) {
      char c = plain.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        if (hyphen && out.length() > 0) {
          out.append('-');
        }
        out.append(c);
        hyphen = false;
      } else {
        hyphen = true;
      }
    }
    String s = out.length() > MAX_SLUG_CHARS ? out.substring(0, MAX_SLUG_CHARS) : out.toString();
    return s.endsWith("-") ? s.substring(0, s.length() - 1) : s;
  }

  /**
   * The file's content. Every front matter value is one line, quoted as a JSON string (which YAML reads too), so no
   * title or tag can end the front matter early; the importer reads {@code title} and {@code tags} back.
   */
  static String render(Note n) {
    StringBuilder b = new StringBuilder();
    b.append("---\n");
    b.append("title: ").append(GSON.toJson(n.title())).append('\n');
    b.append("tags: ").append(GSON.toJson(n.tags())).append('\n');
    b.append("created: ").append(GSON.toJson(Instant.ofEpochMilli(n.createdAtMillis()).toString())).append('\n');
    if (n.source() != null) {
      b.append("source: ").append(GSON.toJson(n.source())).append('\n');
    }
    b.append("kith-note: ").append(GSON.toJson(n.id().hex())).append('\n');
    b.append("---\n\n");
    b.append(n.text());
    if (!n.text().endsWith("\n")) {
      b.append('\n');
    }
    return b.toString();
  }
}
