package org.kith.storage.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one-file backup format (spec/VAULT.md, "Backup file"): a header, then each file as name, length, bytes and
 * SHA-256, then a trailer with the entry count and the SHA-256 of everything before it. Contents are copied as they
 * are on disk, so the archive is as much ciphertext as the vault.
 */
public final class BackupArchive {
  public static final byte[] MAGIC = "KITHBKUP".getBytes(StandardCharsets.US_ASCII);
  public static final int FORMAT_VERSION = 1;
  public static final int TAG_FILE = 'F';
  public static final int TAG_END = 'E';
  public static final int MAX_ENTRIES = 100_000;
  public static final int MAX_NAME_BYTES = 255;
  public static final long MAX_ENTRY_BYTES = 1L << 40;
  private static final Pattern NAME = Pattern.compile("vault\\.key|db/[A-Za-z0-9._-]{1,200}");

  private BackupArchive() {}

  /** A damaged or foreign archive; the message names the entry and what is wrong. */
  public static final class DamagedException extends Exception {
    public DamagedException(String message) {
      super(message);
    }
  }

  /** One file to pack: its name in the archive and where it is now. */
  public record Entry(String name, Path source) {
    public Entry {
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("not an archive entry name: " + name);
      }
    }
  }

  public static void write(List<Entry> entries, OutputStream rawOut) throws IOException {
    if (entries.size() > MAX_ENTRIES) {
      throw new IOException("too many files for one backup: " + entries.size() + " > " + MAX_ENTRIES);
    }
    MessageDigest whole = sha256();
    DataOutputStream out = new DataOutputStream(new DigestOutputStream(new BufferedOutputStream(rawOut, 1 << 16), whole));
    out.write(MAGIC);
    out.writeByte(FORMAT_VERSION);
    out.write(new byte[3]);
    byte[] buf = new byte[1 << 16];
    for (Entry e : entries) {
      byte[] name = e.name().getBytes(StandardCharsets.US_ASCII);
      long size = Files.size(e.source());
      out.writeByte(TAG_FILE);
      out.writeShort(name.length);
      out.write(name);
      out.writeLong(size);
      MessageDigest md = sha256();
      long copied = 0;
      try (InputStream in = Files.newInputStream(e.source())) {
        int n;
        while (copied < size && (n = in.read(buf, 0, (int) Math.min(buf.length, size - copied))) > 0) {
          out.write(buf, 0, n);
          md.update(buf, 0, n);
          copied += n;
        }
      }
      if (copied != size) {
        throw new IOException("file changed size while packing: " + e.name());
      }
      out.write(md.digest());
    }
    out.writeByte(TAG_END);
    out.writeInt(entries.size());
    out.flush();
    // The trailer hash covers everything before it, so it is written past the digesting stream.
    rawOut.write(whole.digest());
    rawOut.flush();
  }

  /**
   * Unpacks into {@code dir} (which must exist and be empty), verifying every entry and the trailer. Files are
   * created 0600 and folders 0700. On any damage throws and leaves partial files behind for the caller to remove.
   */
  public static void read(Path archive, Path dir) throws IOException, DamagedException {
    MessageDigest whole = sha256();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
      DataInputStream in = new DataInputStream(new DigestInputStream(raw, whole));
      try {
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
          throw new DamagedException("not a Kith vault backup (bad magic)");
        }
        int version = in.readUnsignedByte();
        if (version != FORMAT_VERSION) {
          throw new DamagedException("backup format version " + version + " is not supported");
        }
        in.readFully(new byte[3]);
        Set<String> seen = new HashSet<>();
        byte[] buf = new byte[1 << 16];
        while (true) {
          int tag = in.readUnsignedByte();
          if (tag == TAG_END) {
            break;
          }
          if (tag != TAG_FILE) {
            throw new DamagedException("unexpected tag 0x" + Integer.toHexString(tag) + " after entry " + seen.size());
          }
          if (seen.size() >= MAX_ENTRIES) {
            throw new DamagedException("more than " + MAX_ENTRIES + " entries");
          }
          int nameLen = in.readUnsignedShort();
          if (nameLen == 0 || nameLen > MAX_NAME_BYTES) {
            throw new DamagedException("entry " + seen.size() + ": name length " + nameLen);
          }
          String name = new String(in.readNBytes(nameLen), StandardCharsets.US_ASCII);
          if (!NAME.matcher(name).matches() || !seen.add(name)) {
            throw new DamagedException("entry " + seen.size() + ": bad or repeated name");
          }
          long size = in.readLong();
          if (size < 0 || size > MAX_ENTRY_BYTES) {
            throw new DamagedException("entry " + name + ": length " + size + " out of range");
          }
          Path target = dir.resolve(name);
          if (!Files.isDirectory(target.getParent())) {
            FilePerms.createDir(target.getParent());
          }
          MessageDigest md = sha256();
          try (OutputStream out = Channels.newOutputStream(FilePerms.createFile(target))) {
            long left = size;
            while (left > 0) {
              int n = in.read(buf, 0, (int) Math.min(buf.length, left));
              if (n < 0) {
                throw new DamagedException("entry " + name + ": file ends " + left + " bytes early");
              }
              out.write(buf, 0, n);
              md.update(buf, 0, n);
              left -= n;
            }
          }
          byte[] expect = in.readNBytes(32);
          if (expect.length != 32 || !MessageDigest.isEqual(expect, md.digest())) {
            throw new DamagedException("entry " + name + ": checksum mismatch");
          }
        }
        int count = in.readInt();
        if (count != seen.size()) {
          throw new DamagedException("trailer says " + count + " entries, found " + seen.size());
        }
        byte[] computed = whole.digest();
        byte[] stored = raw.readNBytes(32);
        if (stored.length != 32 || !MessageDigest.isEqual(stored, computed)) {
          throw new DamagedException("archive checksum mismatch");
        }
        if (raw.read() != -1) {
          throw new DamagedException("bytes after the end of the archive");
        }
        if (!seen.contains("vault.key") || !seen.contains("db/CURRENT")) {
          throw new DamagedException("archive lacks vault.key or db/CURRENT");
        }
      } catch (EOFException e) {
        throw new DamagedException("file ends early (truncated)");
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java 17 runtime has SHA-256", e);
    }
  }
}
