package org.kith.node.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.kith.node.base.Home;
import org.kith.protocol.identity.InvalidIdException;
import org.kith.protocol.identity.PublicId;

/**
 * {@code HOME/identity.pub}: this node's public id outside the vault, so that {@code kith id} and {@code kith status}
 * work without the passphrase while no node runs. It holds the public key only: no secret, and not the name either,
 * which the owner wrote and which stays sealed in the vault like everything else they wrote (spec/VAULT.md).
 * Written at {@code init} and on every open of the vault, so vaults made before it existed get one too.
 */
public final class PublicIdentityFile {
  public static final String FILE = "identity.pub";
  private static final String HEADER = "# Kith public identity (no secret): `kith id` reads it while no node runs.";
  private static final String ID_PREFIX = "id ";
  /** A file longer than this is not ours: nothing is read from it. */
  static final int MAX_BYTES = 1024;

  private PublicIdentityFile() {}

  public static Path path(Home home) {
    return home.dir().resolve(FILE);
  }

  static String text(PublicId id) {
    return HEADER + "\n" + ID_PREFIX + id.text() + "\n";
  }

  /**
   * Writes the file if it is missing or says something else; mode 0600, moved into place whole. Best effort: a
   * vault on a full disk still opens, and the file is written on a later open.
   */
  public static void write(Home home, PublicId id) {
    Path f = path(home);
    String text = text(id);
    try {
      if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) && Files.size(f) <= MAX_BYTES
          && Files.readString(f, StandardCharsets.UTF_8).equals(text)) {
        return;
      }
      org.kith.node.base.HomeFolder.writePrivate(f, text);
    } catch (IOException | RuntimeException e) {
      // Nothing depends on it but `kith id` without a passphrase, which says how to make it again.
    }
  }

  /** The id the file holds; empty if it is missing, or not a file this class wrote. */
  public static Optional<PublicId> read(Home home) {
    Path f = path(home);
    try {
      if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || Files.size(f) > MAX_BYTES) {
        return Optional.empty();
      }
      for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
        if (line.startsWith(ID_PREFIX)) {
          return Optional.of(PublicId.parse(line.substring(ID_PREFIX.length()).strip()));
        }
      }
      return Optional.empty();
    } catch (IOException | InvalidIdException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
