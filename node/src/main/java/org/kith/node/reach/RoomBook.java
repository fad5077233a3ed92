package org.kith.node.reach;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.kith.node.base.KithException;
import org.kith.node.peers.HostPort;
import org.kith.node.reach.Rooms.Room;
import org.kith.node.vault.VaultSchema;
import org.kith.node.vault.Vaults;
import org.kith.protocol.identity.PublicId;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;

/** The rooms a node joined, in the vault ({@link VaultSchema#ROOMS_KEY}): one line each, "key-hex host:port name". */
final class RoomBook {
  private static final HexFormat HEX = HexFormat.of();
  private final Vault vault;

  RoomBook(Vault vault) {
    this.vault = vault;
  }

  synchronized List<Room> joined() throws KithException {
    byte[] v;
    try {
      v = vault.get(Store.META, VaultSchema.ROOMS_KEY);
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    List<Room> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    for (String line : new String(v, StandardCharsets.UTF_8).split("\n")) {
      String[] f = line.split(" ", 3);
      if (f.length == 3) {
        HostPort.tryParse(f[1]).ifPresent(hp -> out.add(new Room(PublicId.ofKey(HEX.parseHex(f[0])), f[2], hp)));
      }
    }
    return out;
  }

  synchronized void add(Room room) throws KithException {
    List<Room> now = joined();
    now.add(room);
    save(now);
  }

  synchronized void remove(PublicId room) throws KithException {
    List<Room> now = joined();
    now.removeIf(r -> r.id().equals(room));
    save(now);
  }

  private void save(List<Room> rooms) throws KithException {
    StringBuilder sb = new StringBuilder();
    for (Room r : rooms) {
      sb.append(r.id().hex()).append(' ').append(r.address()).append(' ').append(r.name()).append('\n');
    }
    try {
      vault.put(Store.META, VaultSchema.ROOMS_KEY, sb.toString().getBytes(StandardCharsets.UTF_8));
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  /** Finds a joined room by name, id or id prefix; a clear error when none or several match. */
  Room find(String ref) throws KithException {
    String r = ref == null ? "" : ref.strip();
    List<Room> hits = new ArrayList<>();
    for (Room room : joined()) {
      if (room.name().equalsIgnoreCase(r) || room.id().text().equals(r)
          || (r.length() >= 8 && room.id().text().startsWith(r))) {
        hits.add(room);
      }
    }
    if (hits.size() == 1) {
      return hits.get(0);
    }
    throw KithException.badInput(hits.isEmpty()
        ? "no room '" + r + "' joined: `kith rooms` lists yours (nothing was changed)"
        : "'" + r + "' names more than one room: give more of its id (nothing was changed)");
  }
}
