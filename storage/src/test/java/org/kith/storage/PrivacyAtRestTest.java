package org.kith.storage;

import static java.nio.charset.StandardCharsets.UTF_16BE;
import static java.nio.charset.StandardCharsets.UTF_16LE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;

/**
 * Values with distinctive words go through every write path (put, batch, overwrite, compaction, backup); no file
 * under the folder (key file, RocksDB LOG, MANIFEST, OPTIONS, WAL, SST, the backup archive) may contain them.
 */
class PrivacyAtRestTest {
  @TempDir Path tmp;

  private static final String[] WORDS = {
    "zanzibarquokka", "marmaladeoctopus", "Wexleigh-Pennington", "diagnosis:", "/home/ana/diary/therapy.md"
  };

  @Test
  void distinctiveWords_neverAppearInAnyFile() throws Exception {
    Path dir = tmp.resolve("home/vault");
    try (Vault v = TestVaults.create(dir)) {
      for (int i = 0; i < 300; i++) {
        String text = "note " + i + " " + WORDS[i % WORDS.length] + " and " + WORDS[(i + 1) % WORDS.length];
        if (i % 3 == 0) {
          try (Batch b = v.batch()) {
            b.put(Store.NOTES, Vault.randomId(), text.getBytes(UTF_8))
                .put(Store.META, Vault.randomId(), text.getBytes(UTF_8))
                .commit();
          }
        } else {
          v.put(Store.NOTES, Vault.randomId(), text.getBytes(UTF_8));
        }
      }
      // A path that must be looked up goes in through lookupKey, never as the key itself.
      byte[] pathKey = v.lookupKey(Store.SOURCES, WORDS[4].getBytes(UTF_8));
      v.put(Store.SOURCES, pathKey, WORDS[4].getBytes(UTF_8));
      // Flush and compact so the words would also reach SST files, not only the WAL.
      try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
        for (Store s : Store.values()) {
          v.db().flush(fo, v.handle(s));
        }
      }
      v.db().compactRange(v.handle(Store.NOTES));
      v.put(Store.NOTES, Vault.randomId(), ("after flush " + WORDS[0]).getBytes(UTF_8));
      v.changePassphrase(TestVaults.PASS, "zanzibarquokka is also my passphrase".toCharArray());
      v.backup(tmp.resolve("home/backup.kithbak"));
    }

    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(tmp)) {
      walk.filter(Files::isRegularFile).forEach(files::add);
    }
    List<String> names = files.stream().map(p -> p.getFileName().toString()).toList();
    assertTrue(names.stream().anyMatch(n -> n.endsWith(".sst")), "an SST was written: " + names);
    assertTrue(names.stream().anyMatch(n -> n.endsWith(".log")), "a WAL exists: " + names);
    assertTrue(names.stream().anyMatch(n -> n.startsWith("MANIFEST")), names.toString());
    assertTrue(names.contains("backup.kithbak"), names.toString());
    long scanned = 0;
    for (Path f : files) {
      byte[] content = Files.readAllBytes(f);
      scanned += content.length;
      for (String w : WORDS) {
        for (Charset cs : new Charset[] {UTF_8, UTF_16LE, UTF_16BE}) {
          if (indexOf(content, w.getBytes(cs)) >= 0) {
            fail("\"" + w + "\" (" + cs + ") found in " + tmp.relativize(f));
          }
        }
      }
    }
    assertTrue(scanned > 10_000, "scanned " + scanned + " bytes");
    assertEquals(0, indexOf(new byte[] {1, 2, 3}, new byte[] {1, 2}), "the search itself works");
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
