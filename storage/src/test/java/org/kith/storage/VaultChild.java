package org.kith.storage;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import org.rocksdb.FlushOptions;

/**
 * A child JVM for tests that need a second process. Modes:
 *
 * <ul>
 *   <li>{@code hold DIR PASS}: open the vault, print {@code OPEN}, hold it until stdin closes;
 *   <li>{@code open DIR PASS}: try to open, print {@code OK} or the exception's simple class name;
 *   <li>{@code write DIR PASS RUN}: open, then forever add note-like values and print {@code ACK <hex key> <n> .} after
 *       each put or batch commit has returned (the parent SIGKILLs it);
 *   <li>{@code perms DIR PASS BACKUP}: print the mode of a probe file ({@code UMASK-PROBE rwx...}), create a vault,
 *       write, flush and back up, printing {@code LOOSE <path> <mode>} for any file or folder that is not
 *       owner-only after each step, then {@code DONE} (run under a loose umask by the parent).
 * </ul>
 */
public final class VaultChild {
  private VaultChild() {}

  static byte[] noteValue(String run, long n) {
    return ("note " + n + " of run " + run + ": the community fridge on Elm Street needs a new seal; "
            + "bring tools on Saturday. " + "x".repeat((int) (n % 97)))
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] vectorValue(String run, long n) {
    return ("vector " + n + " of run " + run).getBytes(StandardCharsets.UTF_8);
  }

  private static void printLoose(PrintStream out, Path dir) throws Exception {
    for (String l : FilePermissionsTest.loose(dir)) {
      out.println("LOOSE " + l);
    }
    out.flush();
  }

  @SuppressWarnings("try") // the open Vault is held, not used: that is the point of "hold" and "open"
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Path dir = Path.of(args[1]);
    char[] pass = args[2].toCharArray();
    PrintStream out = System.out;
    switch (mode) {
      case "hold" -> {
        try (Vault v = Vault.open(dir, pass)) {
          out.println("OPEN");
          out.flush();
          BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
          while (in.readLine() != null) {
            // Hold the vault until the parent closes our stdin.
          }
        }
      }
      case "open" -> {
        try (Vault v = Vault.open(dir, pass)) {
          out.println("OK");
        } catch (VaultException e) {
          out.println(e.getClass().getSimpleName());
        }
        out.flush();
      }
      case "write" -> {
        String run = args[3];
        try (Vault v = Vault.open(dir, pass)) {
          out.println("READY");
          out.flush();
          for (long n = 0; ; n++) {
            byte[] id = Vault.randomId();
            if (n % 2 == 0) {
              v.put(Store.NOTES, id, noteValue(run, n));
            } else {
              try (Batch b = v.batch()) {
                b.put(Store.NOTES, id, noteValue(run, n)).put(Store.VECTORS, id, vectorValue(run, n)).commit();
              }
            }
            // One write per line so a kill cannot leave half a line that looks complete.
            byte[] line =
                ("ACK " + HexFormat.of().formatHex(id) + " " + n + " .\n").getBytes(StandardCharsets.US_ASCII);
            out.write(line, 0, line.length);
            out.flush();
          }
        }
      }
      case "perms" -> {
        Path probe = Files.createFile(dir.resolveSibling("umask-probe"));
        out.println("UMASK-PROBE " + PosixFilePermissions.toString(Files.getPosixFilePermissions(probe)));
        try (Vault v = Vault.create(dir, pass, KdfProfile.TESTING_ONLY_INSECURE)) {
          printLoose(out, dir);
          for (int i = 0; i < 100; i++) {
            v.put(Store.NOTES, Vault.randomId(), noteValue("perms", i));
          }
          try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
            v.db().flush(fo, v.handle(Store.NOTES));
          }
          long until = System.nanoTime() + 10_000_000_000L;
          while (!FilePermissionsTest.loose(dir).isEmpty() && System.nanoTime() < until) {
            Thread.sleep(20);
          }
          printLoose(out, dir);
          v.backup(Path.of(args[3]));
          printLoose(out, dir);
        }
        printLoose(out, dir);
        out.println("DONE");
        out.flush();
      }
      default -> throw new IllegalArgumentException("unknown mode: " + mode);
    }
  }
}
