package org.kith.node.peers;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.kith.node.base.KithException;
import org.kith.node.vault.Vaults;
import org.kith.protocol.identity.InvalidIdException;
import org.kith.protocol.identity.PublicId;
import org.kith.storage.Batch;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;

/**
 * The peers store: who this node paired with, their petnames and circles, sealed in the vault under a keyed
 * hash of their key (so the vault's keys do not reveal whom you know). Kept in memory too, because every
 * handshake asks whether a key is blocked or paired.
 */
public final class PeerBook {
  private final Vault vault;
  private final Map<PublicId, Peer> peers = new ConcurrentHashMap<>();

  public PeerBook(Vault vault) throws KithException {
    this.vault = vault;
    try {
      vault.forEach(Store.PEERS, (k, v) -> {
        Peer p = decode(v);
        peers.put(p.id(), p);
      });
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  public Optional<Peer> get(PublicId id) {
    return Optional.ofNullable(peers.get(id));
  }

  public boolean isPaired(PublicId id) {
    Peer p = peers.get(id);
    return p != null && p.paired();
  }

  public boolean isBlocked(PublicId id) {
    Peer p = peers.get(id);
    return p != null && p.blocked();
  }

  /** Every known key, blocked ones included, by circle then petname. */
  public List<Peer> all() {
    List<Peer> list = new ArrayList<>(peers.values());
    list.sort(Comparator.comparing(Peer::circle).thenComparing(p -> p.petname().toLowerCase(Locale.ROOT))
        .thenComparing(p -> p.id().hex()));
    return list;
  }

  public List<Peer> paired() {
    return all().stream().filter(Peer::paired).toList();
  }

  public synchronized void put(Peer p) throws KithException {
    try {
      vault.put(Store.PEERS, key(p.id()), encode(p));
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    peers.put(p.id(), p);
  }

  /**
   * Replaces the stored peer with {@code change} of it, read and written under the lock {@link #put} takes, so a
   * change made meanwhile (a block, an unpair) is never overwritten by one computed from an older copy. Nothing is
   * written when there is no such peer or {@code change} gives null; returns what was written.
   */
  public synchronized Optional<Peer> update(PublicId id, java.util.function.UnaryOperator<Peer> change)
      throws KithException {
    Peer now = peers.get(id);
    Peer next = now == null ? null : change.apply(now);
    if (next == null) {
      return Optional.empty();
    }
    put(next);
    return Optional.of(next);
  }

  /** Adds the peer's write to a batch; call {@link #cache} after the batch commits. */
  public void put(Batch batch, Peer p) throws VaultException {
    batch.put(Store.PEERS, key(p.id()), encode(p));
  }

  public synchronized void cache(Peer p) {
    peers.put(p.id(), p);
  }

  public synchronized void remove(PublicId id) throws KithException {
    try {
      vault.delete(Store.PEERS, key(id));
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    peers.remove(id);
  }

  /** Updates last-seen in memory only; it is written with the next real change, to spare the disk. */
  public void seen(PublicId id, long nowMillis) {
    peers.computeIfPresent(id, (k, p) -> p.withLastSeen(nowMillis));
  }

  /**
   * Finds a peer by kith1 id, hex key, a unique prefix of either (8+ characters), or its petname
   * (case-insensitive).
   */
  public Peer find(String ref) throws KithException {
    if (ref == null || ref.isBlank()) {
      throw KithException.badInput("name a peer: its petname or id (see `kith peers`)");
    }
    String r = ref.strip();
    try {
      Peer p = peers.get(PublicId.parse(r));
      if (p != null) {
        return p;
      }
    } catch (InvalidIdException notAnId) {
      // fall through to names and prefixes
    }
    String lower = r.toLowerCase(Locale.ROOT);
    List<Peer> byName = peers.values().stream().filter(p -> p.petname().equalsIgnoreCase(r)).toList();
    if (byName.size() == 1) {
      return byName.get(0);
    }
    if (byName.size() > 1) {
      throw KithException.badInput("several peers are called \"" + r + "\"; use the id instead (see `kith peers`)");
    }
    if (lower.length() >= 8) {
      List<Peer> byPrefix = peers.values().stream()
          .filter(p -> p.id().text().startsWith(lower) || p.id().hex().startsWith(lower)).toList();
      if (byPrefix.size() == 1) {
        return byPrefix.get(0);
      }
      if (byPrefix.size() > 1) {
        throw KithException.badInput("\"" + r + "\" matches several peers; give more of the id");
      }
    }
    throw KithException.badInput("no peer \"" + r + "\" (see `kith peers`)");
  }

  byte[] key(PublicId id) {
    return vault.lookupKey(Store.PEERS, id.key());
  }

  static byte[] encode(Peer p) {
    JsonObject o = new JsonObject();
    o.addProperty("v", 1);
    o.addProperty("key", p.id().hex());
    o.addProperty("petname", p.petname());
    o.addProperty("circle", p.circle());
    JsonArray a = new JsonArray();
    p.addresses().forEach(a::add);
    o.add("addresses", a);
    o.addProperty("pairedAt", p.pairedAtMillis());
    o.addProperty("lastSeen", p.lastSeenMillis());
    o.addProperty("blocked", p.blocked());
    o.addProperty("unpairPending", p.unpairPending());
    if (p.addressSeq() != 0) {
      o.addProperty("addressSeq", p.addressSeq());
    }
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  static Peer decode(byte[] v) throws VaultException {
    try {
      JsonObject o = JsonParser.parseString(new String(v, StandardCharsets.UTF_8)).getAsJsonObject();
      List<String> addrs = new ArrayList<>();
      o.getAsJsonArray("addresses").forEach(e -> addrs.add(e.getAsString()));
      return new Peer(PublicId.ofHex(o.get("key").getAsString()), o.get("petname").getAsString(),
          o.get("circle").getAsString(), addrs, o.get("pairedAt").getAsLong(), o.get("lastSeen").getAsLong(),
          o.get("blocked").getAsBoolean(), o.get("unpairPending").getAsBoolean(),
          o.has("addressSeq") ? o.get("addressSeq").getAsLong() : 0);
    } catch (RuntimeException | InvalidIdException e) {
      throw new org.kith.storage.VaultCorruptException("a peer record does not decode: " + e.getMessage());
    }
  }

  /** Names and circles are short, printable, single-line. */
  public static String checkName(String what, String name) throws KithException {
    String n = name == null ? "" : name.strip();
    if (n.isEmpty()) {
      throw KithException.badInput("the " + what + " is empty");
    }
    if (n.length() > Peer.MAX_NAME_CHARS || n.chars().anyMatch(Character::isISOControl)) {
      throw KithException.badInput("a " + what + " is one line of at most " + Peer.MAX_NAME_CHARS + " characters");
    }
    return n;
  }
}
