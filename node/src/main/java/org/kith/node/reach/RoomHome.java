package org.kith.node.reach;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.kith.node.base.KithException;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;

/**
 * A room's home folder (spec/PROTOCOL.md 12.2.6), owner-only (0700, files 0600). It holds what a room keeps and
 * nothing else: {@code room.key} (the room's secret key and name), {@code members} (one member key per line),
 * {@code invites} (per unused join secret its SHA-256 and expiry, never the secret) and {@code room.addr} (where
 * the running room listens). Changes go through a lock file, since {@code kith room invite} writes while the
 * room runs in another process, and replace files whole.
 */
public final class RoomHome {
  public static final int MAX_NAME_CHARS = 40;
  /** Members a room admits; a join past it is refused with FULL. */
  public static final int MAX_MEMBERS = 1000;
  /** Unused join secrets kept; the oldest go first. */
  public static final int MAX_OPEN_INVITES = 100;
  private static final String KEY_HEADER = "kith-room-key v1";
  private static final HexFormat HEX = HexFormat.of();

  private final Path dir;

  public RoomHome(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  public Path dir() {
    return dir;
  }

  public boolean exists() {
    return Files.exists(dir.resolve("room.key"));
  }

  /** Makes a new room: folder, key and name. Refuses if a room is already there. */
  public static RoomHome init(Path dir, String name) throws KithException {
    String n = checkName(name);
    RoomHome h = new RoomHome(dir);
    if (h.exists()) {
      throw KithException.badInput("a room already exists at " + h.dir + "; nothing was changed (use --home for"
          + " another)");
    }
    try {
      Files.createDirectories(h.dir);
      if (posix()) {
        Files.setPosixFilePermissions(h.dir, PosixFilePermissions.fromString("rwx------"));
      }
      try (KeyPair k = KeyPair.generate()) {
        h.write("room.key", KEY_HEADER + "\n" + HEX.formatHex(k.secretKey()) + "\n" + n + "\n");
      }
      h.write("members", "");
      h.write("invites", "");
    } catch (IOException e) {
      throw KithException.badInput("cannot create the room at " + h.dir + ": " + e.getMessage());
    }
    return h;
  }

  static String checkName(String name) throws KithException {
    String n = name == null ? "" : name.strip();
    if (n.isEmpty() || n.length() > MAX_NAME_CHARS || !n.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
      throw KithException.badInput("a room name is 1 to " + MAX_NAME_CHARS + " printable characters: --name \""
          + "Elm Street\"");
    }
    return n;
  }

  private void requireRoom() throws KithException {
    if (!exists()) {
      throw KithException.badInput("no room at " + dir + ": make one with `kith room init --name NAME` (or give"
          + " --home)");
    }
  }

  /** The room's key pair; the caller closes it. */
  public KeyPair keyPair() throws KithException {
    List<String> lines = keyLines();
    try {
      return KeyPair.fromSecretKey(HEX.parseHex(lines.get(1)));
    } catch (IllegalArgumentException e) {
      throw KithException.badInput("the room key at " + dir.resolve("room.key") + " is damaged");
    }
  }

  public String name() throws KithException {
    return keyLines().get(2);
  }

  public PublicId id() throws KithException {
    try (KeyPair k = keyPair()) {
      return k.id();
    }
  }

  private List<String> keyLines() throws KithException {
    requireRoom();
    List<String> lines = List.of(read("room.key").split("\n"));
    if (lines.size() < 3 || !lines.get(0).equals(KEY_HEADER)) {
      throw KithException.badInput("the room key at " + dir.resolve("room.key") + " is damaged or not a room key");
    }
    return lines;
  }

  public Set<PublicId> members() throws KithException {
    requireRoom();
    Set<PublicId> out = new LinkedHashSet<>();
    for (String line : read("members").split("\n")) {
      if (!line.isBlank()) {
        try {
          out.add(PublicId.ofKey(HEX.parseHex(line.strip())));
        } catch (IllegalArgumentException e) {
          throw KithException.badInput("the member list at " + dir.resolve("members") + " is damaged");
        }
      }
    }
    return out;
  }

  void saveMembers(Set<PublicId> members) throws KithException {
    StringBuilder sb = new StringBuilder();
    for (PublicId m : members) {
      sb.append(m.hex()).append('\n');
    }
    locked(() -> write("members", sb.toString()));
  }

  /** Makes a join secret valid until {@code expiresAtSeconds}; returns the secret (kept only as a hash here). */
  public byte[] newInvite(long expiresAtSeconds, Clock clock) throws KithException {
    requireRoom();
    byte[] secret = new byte[RoomMessage.SECRET_BYTES];
    new SecureRandom().nextBytes(secret);
    String line = HEX.formatHex(sha256(secret)) + " " + expiresAtSeconds;
    locked(() -> {
      List<String> kept = liveInvites(clock.instant().getEpochSecond());
      kept.add(line);
      while (kept.size() > MAX_OPEN_INVITES) {
        kept.remove(0);
      }
      write("invites", String.join("\n", kept) + "\n");
    });
    return secret;
  }

  /** Uses up {@code secret} if it is an unused, unexpired join secret: true once, false after. */
  boolean redeem(byte[] secret, Clock clock) throws KithException {
    String hash = HEX.formatHex(sha256(secret));
    boolean[] found = {false};
    locked(() -> {
      List<String> kept = new ArrayList<>();
      for (String line : liveInvites(clock.instant().getEpochSecond())) {
        if (!found[0] && MessageDigest.isEqual(line.split(" ")[0].getBytes(StandardCharsets.US_ASCII),
            hash.getBytes(StandardCharsets.US_ASCII))) {
          found[0] = true;
        } else {
          kept.add(line);
        }
      }
      if (found[0]) {
        write("invites", kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
      }
    });
    return found[0];
  }

  private List<String> liveInvites(long nowSeconds) throws IOException {
    List<String> out = new ArrayList<>();
    Path p = dir.resolve("invites");
    if (!Files.exists(p)) {
      return out;
    }
    for (String line : Files.readString(p, StandardCharsets.UTF_8).split("\n")) {
      String[] f = line.strip().split(" ");
      if (f.length == 2) {
        try {
          if (Long.parseLong(f[1]) > nowSeconds) {
            out.add(line.strip());
          }
        } catch (NumberFormatException e) {
          // a damaged line is dropped: its secret can no longer be used
        }
      }
    }
    return out;
  }

  /** Remembers where the running room listens, so that {@code kith room invite} can put it in the code. */
  void saveListen(String hostPort) throws KithException {
    locked(() -> write("room.addr", hostPort + "\n"));
  }

  /** Where the room last listened, {@code host:port}, or null. */
  public String listen() throws KithException {
    requireRoom();
    Path p = dir.resolve("room.addr");
    return Files.exists(p) ? read("room.addr").strip() : null;
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private void locked(IoAction a) throws KithException {
    try (FileChannel ch = FileChannel.open(dir.resolve("room.lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
      a.run();
    } catch (IOException e) {
      throw KithException.badInput("cannot write the room's files in " + dir + ": " + e.getMessage());
    }
  }

  private String read(String file) throws KithException {
    try {
      return Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw KithException.badInput("cannot read " + dir.resolve(file) + ": " + e.getMessage());
    }
  }

  private void write(String file, String content) throws IOException {
    org.kith.node.base.HomeFolder.writePrivate(dir.resolve(file), content);
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always there", e);
    }
  }

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }
}
