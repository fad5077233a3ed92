package org.kith.node.identity;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kith.node.base.KithException;
import org.kith.node.vault.VaultSchema;
import org.kith.node.vault.Vaults;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.Record;
import org.kith.protocol.proto.SignedRecord;
import org.kith.protocol.record.RecordSigner;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;

/**
 * This node's long-term Ed25519 identity and the name it suggests to peers, kept in the vault's identity
 * store (spec/VAULT.md). The secret key stays inside: callers sign through {@link Signer} and the transport
 * borrows the {@link KeyPair} object for the handshake.
 */
public final class Identity implements Signer, AutoCloseable {
  private static final byte VERSION = 1;
  private static final int SECRET_BYTES = 64;

  private final KeyPair keyPair;
  private final String name;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Identity(KeyPair keyPair, String name) {
    this.keyPair = keyPair;
    this.name = name;
  }

  /** Generates a new identity and stores it; the vault must not have one yet. */
  public static Identity create(Vault vault, String name) throws KithException {
    KeyPair kp = KeyPair.generate();
    String n = name == null ? "" : name.strip();
    byte[] sk = kp.secretKey();
    byte[] nameBytes = n.getBytes(StandardCharsets.UTF_8);
    byte[] value = new byte[1 + sk.length + nameBytes.length];
    value[0] = VERSION;
    System.arraycopy(sk, 0, value, 1, sk.length);
    System.arraycopy(nameBytes, 0, value, 1 + sk.length, nameBytes.length);
    Arrays.fill(sk, (byte) 0);
    try {
      vault.put(Store.IDENTITY, VaultSchema.SELF_KEY, value);
    } catch (VaultException e) {
      kp.close();
      throw Vaults.translate(e);
    } finally {
      Arrays.fill(value, (byte) 0);
    }
    return new Identity(kp, n);
  }

  /** Reads the identity a vault holds. */
  public static Identity load(Vault vault) throws KithException {
    byte[] v;
    try {
      v = vault.get(Store.IDENTITY, VaultSchema.SELF_KEY);
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
    if (v == null || v.length < 1 + SECRET_BYTES || v[0] != VERSION) {
      throw KithException.badInput("this vault has no identity record; it may be damaged: restore it from a backup");
    }
    try {
      KeyPair kp = KeyPair.fromSecretKey(Arrays.copyOfRange(v, 1, 1 + SECRET_BYTES));
      return new Identity(kp, new String(v, 1 + SECRET_BYTES, v.length - 1 - SECRET_BYTES, StandardCharsets.UTF_8));
    } finally {
      Arrays.fill(v, (byte) 0);
    }
  }

  /**
   * The public id in a stored identity value (the public half of the secret key), read without loading the secret
   * key into a key pair: {@code kith vault salvage} tells the owner which id their damaged vault had. Empty if the
   * value is not an identity record.
   */
  public static Optional<PublicId> publicIdIn(byte[] storedValue) {
    if (storedValue.length < 1 + SECRET_BYTES || storedValue[0] != VERSION) {
      return Optional.empty();
    }
    // The 64-byte secret key is seed (32) || public key (32).
    return Optional.of(PublicId.ofKey(Arrays.copyOfRange(storedValue, 1 + 32, 1 + SECRET_BYTES)));
  }

  @Override
  public PublicId id() {
    return keyPair.id();
  }

  /** The name this node suggests to peers when pairing ("" when none was given). */
  public String name() {
    return name;
  }

  /** The key pair, for the transport's Secret Handshake only; never copy its secret out. */
  public KeyPair keyPair() {
    return keyPair;
  }

  @Override
  public SignedRecord sign(Record record) {
    if (closed.get()) {
      throw new IllegalStateException("identity is closed");
    }
    byte[] sk = keyPair.secretKey();
    try {
      return RecordSigner.sign(record, sk);
    } finally {
      Arrays.fill(sk, (byte) 0);
    }
  }

  /** Signs this node's address record (spec/PROTOCOL.md 12.3); its author must be {@link #id()}. */
  public org.kith.protocol.proto.SignedAddressRecord signAddresses(org.kith.protocol.proto.AddressRecord record) {
    if (closed.get()) {
      throw new IllegalStateException("identity is closed");
    }
    byte[] sk = keyPair.secretKey();
    try {
      return org.kith.protocol.record.AddressRecords.sign(record, sk);
    } finally {
      Arrays.fill(sk, (byte) 0);
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      keyPair.close();
    }
  }
}
