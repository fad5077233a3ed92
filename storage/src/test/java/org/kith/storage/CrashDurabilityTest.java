package org.kith.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM adds notes (single puts and note+vector batches) and prints each key once the call returned; the
 * parent SIGKILLs it at random moments. After every kill the vault must reopen and hold every acknowledged write,
 * decrypting to the expected bytes. Only the Argon2id cost is lowered for speed; the write path is the real one.
 *
 * <p>SIGKILL tests a process crash: RocksDB has handed the WAL record to the kernel before put returns. Surviving
 * power loss also needs the fsync that {@code WriteOptions.sync} adds, which {@link VaultContractTest} checks is on.
 */
class CrashDurabilityTest {
  private static final int KILLS = 55;

  @TempDir Path tmp;

  private record Ack(byte[] key, long n, String run) {}

  @Test
  void everyAcknowledgedWrite_survivesSigkill() throws Exception {
    Path dir = tmp.resolve("v");
    TestVaults.create(dir).close();
    String pass = new String(TestVaults.PASS);
    long seed = System.nanoTime();
    Random rnd = new Random(seed);
    List<Ack> acked = new ArrayList<>();
    long start = System.currentTimeMillis();
    int kills = 0;
    int killedBeforeReady = 0;
    while (kills < KILLS) {
      String run = "r" + kills;
      Process p = ChildJvm.start("write", dir.toString(), pass, run);
      List<String> lines = new ArrayList<>();
      Object readyLock = new Object();
      boolean[] ready = {false};
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                      lines.add(line);
                    }
                    if (line.equals("READY")) {
                      synchronized (readyLock) {
                        ready[0] = true;
                        readyLock.notifyAll();
                      }
                    }
                  }
                } catch (IOException ignored) {
                  // The child was killed; what was read is what counts.
                }
              });
      reader.start();
      // One kill in five lands at a random moment of start-up or open (recovery included); the rest while writing.
      if (rnd.nextInt(5) == 0) {
        Thread.sleep(rnd.nextInt(700));
      } else {
        synchronized (readyLock) {
          long until = System.currentTimeMillis() + 30_000;
          while (!ready[0] && System.currentTimeMillis() < until && p.isAlive()) {
            readyLock.wait(100);
          }
        }
        assertTrue(ready[0], "child did not open the vault (seed " + seed + ")");
        Thread.sleep(rnd.nextInt(250));
      }
      p.destroyForcibly();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
      reader.join(10_000);
      kills++;
      boolean sawReady;
      synchronized (lines) {
        sawReady = lines.contains("READY");
        for (String line : lines) {
          String[] f = line.split(" ");
          if (f.length == 4 && f[0].equals("ACK") && f[3].equals(".") && f[1].length() == 32) {
            acked.add(new Ack(HexFormat.of().parseHex(f[1]), Long.parseLong(f[2]), run));
          }
        }
      }
      if (!sawReady) {
        killedBeforeReady++;
      }
      verifyAll(dir, acked, seed);
    }
    long took = System.currentTimeMillis() - start;
    System.out.printf(
        "crash test: %d kills (%d before the vault was open), %d acknowledged writes, %d ms, seed %d%n",
        kills, killedBeforeReady, acked.size(), took, seed);
    assertTrue(acked.size() > KILLS, "too few writes acknowledged to mean anything: " + acked.size());
  }

  private static void verifyAll(Path dir, List<Ack> acked, long seed) throws Exception {
    try (Vault v = Vault.open(dir, TestVaults.PASS)) {
      for (Ack a : acked) {
        byte[] note = v.get(Store.NOTES, a.key());
        assertNotNull(note, "acknowledged note lost: " + a.run() + "#" + a.n() + " (seed " + seed + ")");
        assertArrayEquals(VaultChild.noteValue(a.run(), a.n()), note);
        if (a.n() % 2 == 1) {
          assertArrayEquals(
              VaultChild.vectorValue(a.run(), a.n()),
              v.get(Store.VECTORS, a.key()),
              "batch half lost: " + a.run() + "#" + a.n());
        }
      }
    }
  }
}
