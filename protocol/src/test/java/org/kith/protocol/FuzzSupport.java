package org.kith.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Shared pieces of the Jazzer {@code @FuzzTest}s: how a fuzz input is cut into chunks, and the committed seed
 * corpus.
 *
 * <p>Jazzer runs every file in {@code src/test/resources/<package>/<Class>Inputs/<method>/} as a regression
 * input on each {@code mvn test}, and writes the inputs of its findings there when fuzzing ({@code
 * protocol/fuzz}). The {@code seed-*} files in those folders are made by the code itself (valid encodings and
 * edge cases) through {@link #checkSeeds}; the {@code crash-*} files are findings, kept so they run forever.
 */
public final class FuzzSupport {
  private FuzzSupport() {}

  /** Set {@code -Dkith.fuzz.seeds.write=true} to (re)write the {@code seed-*} files from the generators. */
  public static boolean writeSeeds() {
    return Boolean.getBoolean("kith.fuzz.seeds.write");
  }

  /**
   * Chunk lengths adding up to {@code total}, drawn from {@code seed}: the same input is fed in a different
   * slicing depending on one byte of it, so the fuzzer explores slicings along with contents.
   */
  public static List<Integer> slices(int seed, int total) {
    List<Integer> out = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(seed);
    // Seed 0 feeds everything at once; the others mix one-byte feeds with longer ones.
    if (seed == 0) {
      if (total > 0) {
        out.add(total);
      }
      return out;
    }
    int left = total;
    while (left > 0) {
      int n = random.nextInt(4) == 0 ? 1 : 1 + random.nextInt(Math.min(left, 1 + (seed & 0xff) * 16));
      n = Math.min(n, left);
      out.add(n);
      left -= n;
    }
    return out;
  }

  /**
   * The committed corpus folder of one fuzz test method, under {@code protocol/src/test/resources}, found
   * through the {@code kith.repo.root} property that Surefire sets.
   */
  public static Path inputsDir(Class<?> testClass, String method) {
    String root = System.getProperty("kith.repo.root");
    if (root == null) {
      throw new IllegalStateException("kith.repo.root is not set (surefire sets it to the repository root)");
    }
    return Path.of(root, "protocol", "src", "test", "resources")
        .resolve(testClass.getPackageName().replace('.', '/'))
        .resolve(testClass.getSimpleName() + "Inputs")
        .resolve(method);
  }

  /**
   * Checks that every seed the generators make is committed byte for byte, so a change of format that
   * invalidates the corpus is noticed; with {@link #writeSeeds()} writes them instead. Names get a
   * {@code seed-} prefix. Other files in the folder (Jazzer's findings) are left alone.
   */
  public static void checkSeeds(Class<?> testClass, String method, Map<String, byte[]> seeds)
      throws IOException {
    Path dir = inputsDir(testClass, method);
    for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
      Path file = dir.resolve("seed-" + e.getKey());
      if (writeSeeds()) {
        Files.createDirectories(dir);
        Files.write(file, e.getValue());
      } else {
        assertTrue(Files.isRegularFile(file),
            file + " is missing: run mvn -pl protocol test -Dkith.fuzz.seeds.write=true and commit it");
        assertArrayEquals(e.getValue(), Files.readAllBytes(file),
            file + " differs from what its generator makes now: regenerate with -Dkith.fuzz.seeds.write=true");
      }
    }
  }
}
