package org.kith.sodium;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extraction alone, in this JVM: nothing here loads the copies it makes. */
class BundledLibraryTest {
  @TempDir Path temp;

  @Test
  void extract_namesTheFolderByContentAndPlatform() {
    Path library = BundledLibrary.extract(temp);
    assertTrue(Files.isRegularFile(library));
    assertEquals(temp.resolve("sodium"), library.getParent().getParent());
    String folder = library.getParent().getFileName().toString();
    assertTrue(folder.matches("[0-9a-f]{16}-[a-z0-9]+-[a-z0-9_]+"), folder);
  }

  @Test
  void extract_createsFoldersForTheOwnerOnly() throws Exception {
    Path root = temp.resolve("cache");
    Path library = BundledLibrary.extract(root);
    if (temp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      for (Path dir : new Path[] {root, root.resolve("sodium"), library.getParent()}) {
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)), dir.toString());
      }
    }
  }

  @Test
  void extract_replacesAFileThatDoesNotHoldTheBundledBytes() throws Exception {
    Path library = BundledLibrary.extract(temp);
    byte[] good = Files.readAllBytes(library);
    byte[] bad = good.clone();
    bad[bad.length / 2] ^= 1;
    Files.write(library, bad);
    assertEquals(library, BundledLibrary.extract(temp));
    assertArrayEquals(good, Files.readAllBytes(library));
    Files.write(library, Arrays.copyOf(good, good.length - 1));
    BundledLibrary.extract(temp);
    assertArrayEquals(good, Files.readAllBytes(library));
    try (var files = Files.list(library.getParent())) {
      assertEquals(1, files.count(), "a temporary file was left behind");
    }
  }

  @Test
  void extract_intoAFolderThatCannotBeCreated_saysWhatAndWhere() throws Exception {
    // A file where the cache folder should be fails for every user, root included, unlike a read-only folder.
    Path blocked = Files.createFile(temp.resolve("not-a-folder"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> BundledLibrary.extract(blocked));
    assertTrue(e.getMessage().contains("cannot extract the bundled libsodium"), e.getMessage());
    assertTrue(e.getMessage().contains(blocked.resolve("sodium").toString()), e.getMessage());
  }

  @Test
  void cacheRoot_prefersTheProperty() {
    String before = System.getProperty(Sodium.CACHE_DIR_PROPERTY);
    try {
      System.setProperty(Sodium.CACHE_DIR_PROPERTY, temp.toString());
      assertEquals(temp.toAbsolutePath(), BundledLibrary.cacheRoot());
    } finally {
      if (before == null) {
        System.clearProperty(Sodium.CACHE_DIR_PROPERTY);
      } else {
        System.setProperty(Sodium.CACHE_DIR_PROPERTY, before);
      }
    }
  }
}
