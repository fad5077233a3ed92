package org.kith.protocol.identity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.kith.sodium.Sodium;

/**
 * The invitee's proof that it holds an invite's secret, bound to both keys so it cannot be replayed by
 * anybody else or towards anybody else: {@code crypto_auth(key = secret, "kith/pair/v1" || inviter || invitee)}
 * (HMAC-SHA-512-256, 32 bytes). Sent inside the Secret Handshake's encrypted channel, never in the clear.
 */
public final class PairingProof {
  public static final int BYTES = 32;
  private static final byte[] DOMAIN = "kith/pair/v1".getBytes(StandardCharsets.US_ASCII);

  private PairingProof() {}

  public static byte[] compute(byte[] secret, byte[] inviterKey, byte[] inviteeKey) {
    if (secret.length != InviteCode.SECRET_BYTES || inviterKey.length != 32 || inviteeKey.length != 32) {
      throw new IllegalArgumentException("secret and keys must be 32 bytes");
    }
    ByteArrayOutputStream m = new ByteArrayOutputStream(DOMAIN.length + 64);
    m.writeBytes(DOMAIN);
    m.writeBytes(inviterKey);
    m.writeBytes(inviteeKey);
    byte[] msg = m.toByteArray();
    byte[] out = new byte[BYTES];
    if (Sodium.raw().crypto_auth(out, msg, msg.length, secret) != 0) {
      throw new IllegalStateException("crypto_auth failed");
    }
    return out;
  }

  /** Constant-time check. */
  public static boolean verify(byte[] proof, byte[] secret, byte[] inviterKey, byte[] inviteeKey) {
    return proof != null && proof.length == BYTES
        && MessageDigest.isEqual(proof, compute(secret, inviterKey, inviteeKey));
  }
}
