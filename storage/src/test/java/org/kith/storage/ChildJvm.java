package org.kith.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts {@link VaultChild} in a new JVM with the test classpath. */
final class ChildJvm {
  private ChildJvm() {}

  static Process start(String... args) throws IOException {
    return new ProcessBuilder(command(args)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /** Runs the child under {@code umask} (octal), set by /bin/sh before it execs java. */
  static Process startWithUmask(String umask, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "umask " + umask + " && exec \"$@\"", "sh"));
    cmd.addAll(command(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Fast start matters more than peak speed: the crash test starts dozens of these.
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Xmx128m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(VaultChild.class.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }
}
