package org.kith.storage.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Owner-only permissions for everything a vault writes: folders 0700, files 0600, whatever the process umask
 * (spec/VAULT.md, "File permissions"). On a file system without POSIX permissions every method does nothing.
 *
 * <p>Files are created with the mode already set, so there is no moment at which they are readable by others; the
 * mode is then set again explicitly, because the mode given at creation is still masked by the umask.
 */
public final class FilePerms {
  public static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private static final Set<PosixFilePermission> GROUP_OR_OTHER =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  /** How deep {@link #restrictTree} walks: a vault is two levels (the folder, then db/ or a backup checkpoint). */
  private static final int MAX_DEPTH = 4;

  private FilePerms() {}

  /** True if {@code p} (or, if it does not exist yet, its parent) lives on a file system with POSIX modes. */
  public static boolean posix(Path p) {
    Path probe = p.toAbsolutePath();
    while (probe != null && !Files.exists(probe, LinkOption.NOFOLLOW_LINKS)) {
      probe = probe.getParent();
    }
    if (probe == null) {
      return false;
    }
    try {
      return Files.getFileStore(probe).supportsFileAttributeView(PosixFileAttributeView.class);
    } catch (IOException e) {
      return false;
    }
  }

  /** Creates one folder with mode 0700 (its parent must exist). */
  public static void createDir(Path dir) throws IOException {
    if (posix(dir)) {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
      Files.setPosixFilePermissions(dir, DIR);
    } else {
      Files.createDirectory(dir);
    }
  }

  /** Creates the parents as the caller's umask says, then {@code dir} itself with 0700 if it does not exist. */
  public static void createDirs(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath();
    if (Files.isDirectory(abs)) {
      return;
    }
    Files.createDirectories(abs.getParent());
    createDir(abs);
  }

  /** Opens a new file ({@code CREATE_NEW}) for writing with mode 0600. */
  public static FileChannel createFile(Path file) throws IOException {
    Set<StandardOpenOption> opts = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    if (!posix(file)) {
      return FileChannel.open(file, opts);
    }
    FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(FILE);
    FileChannel ch = FileChannel.open(file, opts, attr);
    try {
      Files.setPosixFilePermissions(file, FILE);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    return ch;
  }

  /**
   * Sets 0700 on a folder or 0600 on a file if it differs. Returns true if group or others had any permission on
   * it before. Symbolic links are left alone (Linux cannot change a link's own mode, and following one would
   * change something outside the vault).
   */
  public static boolean restrict(Path p) throws IOException {
    PosixFileAttributeView view =
        Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view == null || Files.isSymbolicLink(p)) {
      return false;
    }
    Set<PosixFilePermission> now = view.readAttributes().permissions();
    Set<PosixFilePermission> want = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? DIR : FILE;
    if (now.equals(want)) {
      return false;
    }
    view.setPermissions(want);
    for (PosixFilePermission bit : now) {
      if (GROUP_OR_OTHER.contains(bit)) {
        return true;
      }
    }
    return false;
  }

  /** True if group or others have any permission on {@code p}; reads only. */
  public static boolean exposed(Path p) throws IOException {
    PosixFileAttributeView view =
        Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (view == null || Files.isSymbolicLink(p)) {
      return false;
    }
    for (PosixFilePermission bit : view.readAttributes().permissions()) {
      if (GROUP_OR_OTHER.contains(bit)) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@link #restrict} on {@code root} and everything under it. Returns true if anything was exposed. Files that
   * vanish while it runs (RocksDB deletes obsolete files in the background) are skipped.
   */
  public static boolean restrictTree(Path root) throws IOException {
    if (!posix(root) || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    return restrictTree(root, MAX_DEPTH);
  }

  private static boolean restrictTree(Path p, int depth) throws IOException {
    boolean exposed;
    try {
      exposed = restrict(p);
    } catch (NoSuchFileException gone) {
      return false;
    }
    if (depth == 0 || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      return exposed;
    }
    List<Path> children;
    try (Stream<Path> list = Files.list(p)) {
      children = list.toList();
    } catch (NoSuchFileException gone) {
      return exposed;
    }
    for (Path c : children) {
      exposed |= restrictTree(c, depth - 1);
    }
    return exposed;
  }
}
