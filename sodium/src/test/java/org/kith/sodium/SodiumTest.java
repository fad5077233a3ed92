package org.kith.sodium;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads libsodium in child JVMs, because what is under test happens once per process: where the library is
 * unpacked, and that nothing lands in {@code java.io.tmpdir}.
 */
class SodiumTest {
  /** FIPS 180-2, Appendix B.1: SHA-256("abc"). */
  private static final String SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  private static final long CHILD_TIMEOUT_SECONDS = 60;

  @TempDir Path temp;

  @Test
  void load_extractsOneLibraryIntoTheCache_andLeavesTmpdirEmpty() throws Exception {
    Path tmpdir = Files.createDirectory(temp.resolve("tmpdir"));
    Path cache = temp.resolve("cache");
    List<String> out = runChild(tmpdir, cache, Map.of());
    assertEquals(SHA256_ABC, out.get(1));
    assertEquals(SHA256_ABC, out.get(2));
    assertEquals(List.of(), list(tmpdir), "the child wrote into java.io.tmpdir");
    Path library = Path.of(out.get(0));
    assertTrue(library.startsWith(cache.resolve("sodium")), library + " is not under " + cache);
    assertEquals(List.of(library), libraries(cache), "exactly one library, and no temporary file left");
    // JNA unpacked its dispatch library into the cache rather than the tmpdir, and removed it once loaded.
    assertEquals(List.of(), list(cache.resolve("jna")));
  }

  @Test
  void secondLoad_reusesTheFile() throws Exception {
    Path tmpdir = Files.createDirectory(temp.resolve("tmpdir"));
    Path cache = temp.resolve("cache");
    Path library = Path.of(runChild(tmpdir, cache, Map.of()).get(0));
    BasicFileAttributes first = Files.readAttributes(library, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    Path again = Path.of(runChild(tmpdir, cache, Map.of()).get(0));
    BasicFileAttributes second = Files.readAttributes(again, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    assertEquals(library, again);
    assertEquals(first.lastModifiedTime(), second.lastModifiedTime(), "the library was written again");
    if (first.fileKey() != null) {
      assertEquals(first.fileKey(), second.fileKey(), "the library was replaced");
    }
    assertEquals(List.of(library), libraries(cache));
    assertEquals(List.of(), list(tmpdir));
  }

  @Test
  void withoutTheProperty_usesXdgCacheHome() throws Exception {
    Path tmpdir = Files.createDirectory(temp.resolve("tmpdir"));
    Path xdg = temp.resolve("xdg");
    List<String> out = runChild(tmpdir, null, Map.of("XDG_CACHE_HOME", xdg.toString(), "HOME",
        temp.resolve("home").toString()));
    assertTrue(Path.of(out.get(0)).startsWith(xdg.resolve("kith").resolve("sodium")), out.get(0));
    assertEquals(List.of(), list(tmpdir));
  }

  @Test
  void withoutPropertyOrXdg_usesHomeDotCache() throws Exception {
    Path tmpdir = Files.createDirectory(temp.resolve("tmpdir"));
    Path home = temp.resolve("home");
    Map<String, String> env = new HashMap<>();
    env.put("XDG_CACHE_HOME", null);
    env.put("HOME", home.toString());
    List<String> out = runChild(tmpdir, null, env);
    assertTrue(Path.of(out.get(0)).startsWith(home.resolve(".cache").resolve("kith").resolve("sodium")),
        out.get(0));
    assertEquals(List.of(), list(tmpdir));
  }

  /** Runs {@link SodiumChild}; {@code env} values of null remove the variable. Returns its output lines. */
  private static List<String> runChild(Path tmpdir, Path cache, Map<String, String> env) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("-Djava.io.tmpdir=" + tmpdir);
    if (cache != null) {
      cmd.add("-D" + Sodium.CACHE_DIR_PROPERTY + "=" + cache);
    }
    cmd.add(SodiumChild.class.getName());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    pb.environment().remove("_JAVA_OPTIONS");
    env.forEach((k, v) -> {
      if (v == null) {
        pb.environment().remove(k);
      } else {
        pb.environment().put(k, v);
      }
    });
    Process p = pb.start();
    byte[] output = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), "child did not exit");
    String text = new String(output, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    // Lines other than ours (a logging binding's complaint, say) come before them; keep the last three.
    List<String> lines = text.lines().toList();
    assertTrue(lines.size() >= 3, text);
    return lines.subList(lines.size() - 3, lines.size());
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  private static List<Path> libraries(Path cache) throws IOException {
    try (Stream<Path> s = Files.walk(cache.resolve("sodium"))) {
      return s.filter(Files::isRegularFile).toList();
    }
  }
}
