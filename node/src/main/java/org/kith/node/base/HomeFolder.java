package org.kith.node.base;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Owner-only modes for the Kith home folder. Beside the vault (which sets its own modes, spec/VAULT.md section
 * 4.4) it holds the local API's token ({@code api.token}), {@code node.json} and the model cache, so other accounts
 * must not enter it: the folder is 0700, files directly in it 0600, the cache folder 0700.
 */
public final class HomeFolder {
  private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private HomeFolder() {}

  /** Creates the home folder (and its parents) if missing, and makes the home folder itself 0700. */
  public static void create(Home home) throws IOException {
    Files.createDirectories(home.dir());
    if (posix()) {
      Files.setPosixFilePermissions(home.dir(), DIR);
    }
  }

  /**
   * Sets the home folder to 0700, every file directly in it to 0600 and the cache folder to 0700. Returns true if
   * the home folder or a file directly in it was open to group or others, so the person can be told. The cache is
   * fixed without counting: it holds the model and native libraries, nothing of the owner's, and libraries create
   * folders in it with the umask. The vault folder is left to the vault. Best effort: a mode that cannot be changed
   * (an entry owned by another account) is left as it is.
   */
  public static boolean tighten(Home home) {
    if (!posix() || !Files.isDirectory(home.dir())) {
      return false;
    }
    boolean exposed = restrict(home.dir(), DIR);
    List<Path> children;
    try (Stream<Path> s = Files.list(home.dir())) {
      children = s.toList();
    } catch (IOException e) {
      return exposed;
    }
    for (Path c : children) {
      if (Files.isRegularFile(c, LinkOption.NOFOLLOW_LINKS)) {
        exposed |= restrict(c, FILE);
      }
    }
    if (Files.isDirectory(home.cacheDir(), LinkOption.NOFOLLOW_LINKS)) {
      restrict(home.cacheDir(), DIR);
    }
    return exposed;
  }

  /** Sets {@code mode}; true if {@code p} was open to group or others before. */
  private static boolean restrict(Path p, Set<PosixFilePermission> mode) {
    try {
      Set<PosixFilePermission> now = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      if (now.equals(mode)) {
        return false;
      }
      Files.setPosixFilePermissions(p, mode);
      return now.stream().anyMatch(GROUP_OR_OTHERS::contains);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /**
   * Writes {@code content} to {@code file} so that it is never readable by others, even for a moment: a temp file
   * beside it made with mode 0600 (where the file system has modes), synced, then moved into place whole.
   */
  public static void writePrivate(java.nio.file.Path file, String content) throws IOException {
    java.nio.file.Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (posix()) {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(FILE));
    }
    Files.writeString(tmp, content, java.nio.charset.StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
        java.nio.file.StandardOpenOption.SYNC);
    try {
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
