package org.kith.node.peers;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.kith.node.base.KithException;
import org.kith.node.vault.Vaults;
import org.kith.protocol.identity.InviteCode;
import org.kith.protocol.identity.PairingProof;
import org.kith.protocol.identity.PublicId;
import org.kith.sodium.Sodium;
import org.kith.storage.Batch;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;

/**
 * Open invites, sealed in the vault under their random id. Redeeming one checks the proof, the expiry and the
 * uses left, and in one synced batch spends a use (deleting the invite at zero) and stores the new peer: a
 * code can never pair twice beyond its uses, even if two redeem it at once.
 */
public final class InviteBook {
  public static final Duration DEFAULT_EXPIRY = Duration.ofHours(24);
  public static final Duration MAX_EXPIRY = Duration.ofDays(30);
  public static final int MAX_USES = 100;
  public static final int MAX_OPEN_INVITES = 1000;

  private final Vault vault;
  private final Clock clock;

  public InviteBook(Vault vault, Clock clock) {
    this.vault = vault;
    this.clock = clock;
  }

  /** An open invite as stored. */
  public record Invite(byte[] id, byte[] secret, String circle, long expiresAtSeconds, int usesLeft) {}

  public synchronized InviteCode create(PublicId self, List<String> addresses, String circle, Duration expiry, int uses)
      throws KithException {
    if (expiry.isNegative() || expiry.isZero() || expiry.compareTo(MAX_EXPIRY) > 0) {
      throw KithException.badInput("an invite lasts between 1 second and " + MAX_EXPIRY.toDays() + " days");
    }
    if (uses < 1 || uses > MAX_USES) {
      throw KithException.badInput("--uses must be between 1 and " + MAX_USES + ": " + uses);
    }
    if (addresses.isEmpty()) {
      throw KithException.badInput("no address to put in the invite: start the node with --listen HOST:PORT");
    }
    String c = PeerBook.checkName("circle", circle);
    if (list().size() >= MAX_OPEN_INVITES) {
      throw KithException.badInput("too many open invites; let some expire first");
    }
    byte[] id = Vault.randomId();
    byte[] secret = Sodium.lazy().randomBytesBuf(InviteCode.SECRET_BYTES);
    long expires = clock.instant().plus(expiry).getEpochSecond();
    List<String> addrs = addresses.size() > InviteCode.MAX_ADDRESSES
        ? addresses.subList(0, InviteCode.MAX_ADDRESSES) : addresses;
    InviteCode code = new InviteCode(self.key(), id, secret, expires, addrs);
    try {
      vault.put(Store.INVITES, id, encode(new Invite(id, secret, c, expires, uses)));
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    return code;
  }

  public List<Invite> list() throws KithException {
    List<Invite> out = new ArrayList<>();
    try {
      vault.forEach(Store.INVITES, (k, v) -> out.add(decode(k, v)));
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    return out;
  }

  /** Why a redeem failed; the wire says only INVITE_INVALID, the owner's log line says which. */
  public static final class Refused extends Exception {
    public Refused(String reason) {
      super(reason);
    }
  }

  /**
   * Redeems an invite for {@code invitee}, storing it as a peer in the invite's circle, atomically.
   *
   * @return the stored peer
   */
  public synchronized Peer redeem(PeerBook peers, PublicId self, PublicId invitee, byte[] inviteId, byte[] proof,
      String petname, List<String> addresses) throws Refused, KithException {
    if (inviteId == null || inviteId.length != InviteCode.ID_BYTES) {
      throw new Refused("malformed invite id");
    }
    byte[] stored;
    try {
      stored = vault.get(Store.INVITES, inviteId);
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    if (stored == null) {
      throw new Refused("unknown or already used invite");
    }
    Invite inv;
    try {
      inv = decode(inviteId, stored);
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    if (!PairingProof.verify(proof, inv.secret(), self.key(), invitee.key())) {
      throw new Refused("wrong invite secret");
    }
    long now = clock.millis();
    if (now / 1000 >= inv.expiresAtSeconds()) {
      try {
        vault.delete(Store.INVITES, inviteId);
      } catch (VaultException e) {
        throw Vaults.translate(e);
      }
      throw new Refused("expired invite");
    }
    if (peers.isBlocked(invitee)) {
      throw new Refused("blocked key");
    }
    Peer existing = peers.get(invitee).orElse(null);
    String name = petname == null || petname.isBlank() ? "peer-" + invitee.text().substring(5, 11) : petname.strip();
    if (name.length() > Peer.MAX_NAME_CHARS) {
      name = name.substring(0, Peer.MAX_NAME_CHARS);
    }
    Peer peer = new Peer(invitee, existing != null ? existing.petname() : name, inv.circle(), addresses,
        existing != null ? existing.pairedAtMillis() : now, now, false, false);
    try (Batch batch = vault.batch()) {
      if (inv.usesLeft() <= 1) {
        batch.delete(Store.INVITES, inviteId);
      } else {
        batch.put(Store.INVITES, inviteId, encode(new Invite(inviteId, inv.secret(), inv.circle(),
            inv.expiresAtSeconds(), inv.usesLeft() - 1)));
      }
      peers.put(batch, peer);
      batch.commit();
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    peers.cache(peer);
    return peer;
  }

  static byte[] encode(Invite i) {
    JsonObject o = new JsonObject();
    o.addProperty("v", 1);
    o.addProperty("secret", HexFormat.of().formatHex(i.secret()));
    o.addProperty("circle", i.circle());
    o.addProperty("expiresAt", i.expiresAtSeconds());
    o.addProperty("usesLeft", i.usesLeft());
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  static Invite decode(byte[] id, byte[] v) throws VaultException {
    try {
      JsonObject o = JsonParser.parseString(new String(v, StandardCharsets.UTF_8)).getAsJsonObject();
      return new Invite(id, HexFormat.of().parseHex(o.get("secret").getAsString()), o.get("circle").getAsString(),
          o.get("expiresAt").getAsLong(), o.get("usesLeft").getAsInt());
    } catch (RuntimeException e) {
      throw new org.kith.storage.VaultCorruptException("an invite record does not decode: " + e.getMessage());
    }
  }
}
