package org.kith.protocol.handshake;

import static org.kith.protocol.handshake.HandshakeException.Reason.BAD_SIGNATURE;
import static org.kith.protocol.handshake.HandshakeException.Reason.CLIENT_REFUSED;
import static org.kith.protocol.handshake.HandshakeException.Reason.MALFORMED_MESSAGE;
import static org.kith.protocol.handshake.HandshakeException.Reason.NETWORK_KEY_MISMATCH;
import static org.kith.protocol.handshake.HandshakeException.Reason.PEER_CLOSED;
import static org.kith.protocol.handshake.HandshakeException.Reason.SERVER_KEY_MISMATCH;

import java.util.function.Predicate;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.handshake.HandshakeException.Reason;
import org.kith.sodium.Sodium;

/**
 * Secret Handshake v1 (Tarr, "Designing a Secret Handshake", 2015), byte-compatible with the reference
 * ssbc/secret-handshake 1.1.21, as a state machine with no I/O: bytes in with {@link #receive}, bytes out with
 * {@link #nextMessage}. The four messages and their lengths:
 *
 * <pre>
 * 1 client hello   64  hmac(K, a_p)[32] || a_p[32]
 * 2 server hello   64  hmac(K, b_p)[32] || b_p[32]
 * 3 client auth   112  secretbox_0(sig_A(K || B || sha256(ab)) || A, sha256(K || ab || aB))
 * 4 server accept  80  secretbox_0(sig_B(K || sig_A || A || sha256(ab)), sha256(K || ab || aB || Ab))
 * </pre>
 *
 * A driver loops: send every {@link #nextMessage()}, then read exactly {@link #expectedBytes()} bytes and pass
 * them to {@link #receive}, until {@link #isComplete()}. Any failure is final: the object throws
 * {@link HandshakeException} once, wipes its secrets, and must be dropped with the connection. Not thread-safe.
 */
public final class SecretHandshake {
  public static final int HELLO_BYTES = 64;
  public static final int CLIENT_AUTH_BYTES = 112;
  public static final int SERVER_ACCEPT_BYTES = 80;

  private static final byte[] ZERO_NONCE = new byte[24];

  private enum State {
    AWAIT_HELLO,
    AWAIT_CLIENT_AUTH,
    AWAIT_SERVER_ACCEPT,
    COMPLETE,
    FAILED
  }

  private final boolean client;
  private final byte[] networkKey;
  private final KeyPair local;
  private final byte[] localPublicKey;
  private final Predicate<byte[]> acceptClient;
  private byte[] remotePublicKey;

  private final byte[] ephemeralPublic = new byte[32];
  private final byte[] ephemeralSecret = new byte[32];
  private final byte[] localMac = new byte[32];
  private final byte[] remoteEphemeral = new byte[32];
  private final byte[] remoteMac = new byte[32];
  private final byte[] ab = new byte[32];
  private final byte[] abHash = new byte[32];
  private final byte[] aB = new byte[32];
  private final byte[] Ab = new byte[32];
  private final byte[] secret2 = new byte[32];
  private final byte[] secret3 = new byte[32];
  private byte[] clientHello; // sig_A || A, the plaintext of message 3

  private State state;
  private byte[] outbound;
  private Session session;

  private SecretHandshake(boolean client, NetworkKey networkKey, KeyPair local, byte[] remotePublicKey,
      Predicate<byte[]> acceptClient, byte[] ephemeralSeed) {
    this.client = client;
    this.networkKey = networkKey.raw();
    this.local = local;
    this.localPublicKey = local.publicKey();
    this.remotePublicKey = remotePublicKey;
    this.acceptClient = acceptClient;
    deriveEphemeral(ephemeralSeed);
    Sodium.raw().sodium_memzero(ephemeralSeed, ephemeralSeed.length);
    if (client) {
      outbound = hello();
    }
    state = State.AWAIT_HELLO;
  }

  /** A client that will only complete with the server holding {@code serverPublicKey}. */
  public static SecretHandshake client(NetworkKey networkKey, KeyPair clientKeys, byte[] serverPublicKey) {
    return client(networkKey, clientKeys, serverPublicKey, randomSeed());
  }

  /**
   * A server. {@code acceptClient} sees the client's proven long-term public key after message 3 and before
   * message 4 is sent; returning false aborts with {@link Reason#CLIENT_REFUSED} and nothing more is sent.
   */
  public static SecretHandshake server(NetworkKey networkKey, KeyPair serverKeys,
      Predicate<byte[]> acceptClient) {
    return server(networkKey, serverKeys, acceptClient, randomSeed());
  }

  /** With a fixed ephemeral seed, for test vectors only: a real handshake never reuses an ephemeral key. */
  static SecretHandshake client(NetworkKey networkKey, KeyPair clientKeys, byte[] serverPublicKey,
      byte[] ephemeralSeed) {
    if (serverPublicKey.length != KeyPair.PUBLIC_KEY_BYTES) {
      throw new IllegalArgumentException("server public key length != 32: " + serverPublicKey.length);
    }
    return new SecretHandshake(true, networkKey, clientKeys, serverPublicKey.clone(), null,
        ephemeralSeed.clone());
  }

  static SecretHandshake server(NetworkKey networkKey, KeyPair serverKeys, Predicate<byte[]> acceptClient,
      byte[] ephemeralSeed) {
    if (acceptClient == null) {
      throw new IllegalArgumentException("acceptClient is null");
    }
    return new SecretHandshake(false, networkKey, serverKeys, null, acceptClient, ephemeralSeed.clone());
  }

  private static byte[] randomSeed() {
    byte[] seed = new byte[32];
    Sodium.raw().randombytes_buf(seed, seed.length);
    return seed;
  }

  /**
   * The reference derives its ephemeral Curve25519 pair from a random Ed25519 seed (crypto_sign_seed_keypair,
   * then the sk/pk conversions). The secret is the clamped first half of SHA-512(seed) either way; computing the
   * public key with scalarmult_base gives the same bytes and skips an Ed25519 point decompression and subgroup
   * check, which is most of the cost of the pk conversion.
   */
  private void deriveEphemeral(byte[] seed) {
    byte[] h = new byte[64];
    Sodium.raw().crypto_hash_sha512(h, seed, seed.length);
    h[0] &= (byte) 248;
    h[31] &= 127;
    h[31] |= 64;
    System.arraycopy(h, 0, ephemeralSecret, 0, 32);
    Sodium.raw().sodium_memzero(h, h.length);
    Sodium.raw().crypto_scalarmult_base(ephemeralPublic, ephemeralSecret);
    Sodium.raw().crypto_auth(localMac, ephemeralPublic, 32, networkKey);
  }

  private byte[] hello() {
    byte[] m = new byte[HELLO_BYTES];
    System.arraycopy(localMac, 0, m, 0, 32);
    System.arraycopy(ephemeralPublic, 0, m, 32, 32);
    return m;
  }

  /** The next message to send, or null when there is none now. Each message is returned once. */
  public byte[] nextMessage() {
    byte[] m = outbound;
    outbound = null;
    return m;
  }

  /** How many bytes the next {@link #receive} needs: 64, 112 or 80; 0 when nothing more is expected. */
  public int expectedBytes() {
    switch (state) {
      case AWAIT_HELLO:
        return HELLO_BYTES;
      case AWAIT_CLIENT_AUTH:
        return CLIENT_AUTH_BYTES;
      case AWAIT_SERVER_ACCEPT:
        return SERVER_ACCEPT_BYTES;
      default:
        return 0;
    }
  }

  /** True once the session keys are derived. A server must still send {@link #nextMessage()} (message 4). */
  public boolean isComplete() {
    return state == State.COMPLETE;
  }

  public boolean isClient() {
    return client;
  }

  /** The keys for box-stream; only once {@link #isComplete()}. */
  public Session session() {
    if (state != State.COMPLETE) {
      throw new IllegalStateException("handshake not complete: " + state);
    }
    return session;
  }

  /** Takes exactly one whole message, {@link #expectedBytes()} long. */
  public void receive(byte[] message) throws HandshakeException {
    int number = messageNumber();
    switch (state) {
      case AWAIT_HELLO:
        checkLength(message, HELLO_BYTES, number);
        receiveHello(message, number);
        break;
      case AWAIT_CLIENT_AUTH:
        checkLength(message, CLIENT_AUTH_BYTES, number);
        receiveClientAuth(message);
        break;
      case AWAIT_SERVER_ACCEPT:
        checkLength(message, SERVER_ACCEPT_BYTES, number);
        receiveServerAccept(message);
        break;
      default:
        throw new IllegalStateException("nothing to receive in state " + state);
    }
  }

  /**
   * Tells the handshake the peer closed the connection before it completed; always throws. A server that
   * hangs up right after message 3 has refused the client or does not hold the key the client dialled; the
   * reference gives no way to tell those apart.
   */
  public void peerClosed() throws HandshakeException {
    if (state == State.COMPLETE || state == State.FAILED) {
      throw new IllegalStateException("handshake already " + state);
    }
    String detail = state == State.AWAIT_SERVER_ACCEPT
        ? "server hung up after client authentication: wrong server key, refused, or wrong network key"
        : state == State.AWAIT_HELLO && client
            ? "server hung up after client hello: wrong network key, or not a handshake server"
            : "peer hung up";
    throw fail(PEER_CLOSED, messageNumber(), detail);
  }

  private int messageNumber() {
    switch (state) {
      case AWAIT_HELLO:
        return client ? 2 : 1;
      case AWAIT_CLIENT_AUTH:
        return 3;
      case AWAIT_SERVER_ACCEPT:
        return 4;
      default:
        return 0;
    }
  }

  private void checkLength(byte[] message, int expected, int number) throws HandshakeException {
    if (message.length != expected) {
      throw fail(MALFORMED_MESSAGE, number, "length " + message.length + " != " + expected);
    }
  }

  private void receiveHello(byte[] m, int number) throws HandshakeException {
    System.arraycopy(m, 0, remoteMac, 0, 32);
    System.arraycopy(m, 32, remoteEphemeral, 0, 32);
    if (Sodium.raw().crypto_auth_verify(remoteMac, remoteEphemeral, 32, networkKey) != 0) {
      throw fail(NETWORK_KEY_MISMATCH, number, "hello MAC does not verify under our network key");
    }
    if (Sodium.raw().crypto_scalarmult(ab, ephemeralSecret, remoteEphemeral) != 0) {
      throw fail(MALFORMED_MESSAGE, number, "ephemeral key is a low-order point");
    }
    Sodium.raw().crypto_hash_sha256(abHash, ab, 32);
    if (!client) {
      outbound = hello();
      state = State.AWAIT_CLIENT_AUTH;
      return;
    }
    // Client: aB = a * curve(B); message 3 proves we know B and holds our signature and key.
    byte[] serverCurve = CurveKeys.of(remotePublicKey);
    if (serverCurve == null || Sodium.raw().crypto_scalarmult(aB, ephemeralSecret, serverCurve) != 0) {
      throw fail(MALFORMED_MESSAGE, number, "server public key has no usable Curve25519 form");
    }
    hash(secret2, networkKey, ab, aB);
    byte[] signed = concat(networkKey, remotePublicKey, abHash);
    clientHello = new byte[96];
    System.arraycopy(local.sign(signed), 0, clientHello, 0, 64);
    System.arraycopy(localPublicKey, 0, clientHello, 64, 32);
    byte[] box = new byte[CLIENT_AUTH_BYTES];
    Sodium.raw().crypto_secretbox_easy(box, clientHello, clientHello.length, ZERO_NONCE, secret2);
    outbound = box;
    state = State.AWAIT_SERVER_ACCEPT;
  }

  private void receiveClientAuth(byte[] m) throws HandshakeException {
    // aB as the server computes it: curve(b) * a_p.
    if (!local.x25519(aB, remoteEphemeral)) {
      throw fail(MALFORMED_MESSAGE, 3, "client ephemeral key is a low-order point");
    }
    hash(secret2, networkKey, ab, aB);
    byte[] hello = new byte[96];
    if (Sodium.raw().crypto_secretbox_open_easy(hello, m, m.length, ZERO_NONCE, secret2) != 0) {
      throw fail(SERVER_KEY_MISMATCH, 3, "client authentication does not open: the client dialled another key");
    }
    byte[] clientKey = new byte[32];
    System.arraycopy(hello, 64, clientKey, 0, 32);
    byte[] signed = concat(networkKey, localPublicKey, abHash);
    if (Sodium.raw().crypto_sign_verify_detached(hello, signed, signed.length, clientKey) != 0) {
      throw fail(BAD_SIGNATURE, 3, "client signature does not verify");
    }
    byte[] clientCurve = CurveKeys.of(clientKey);
    if (clientCurve == null || Sodium.raw().crypto_scalarmult(Ab, ephemeralSecret, clientCurve) != 0) {
      throw fail(MALFORMED_MESSAGE, 3, "client public key has no usable Curve25519 form");
    }
    remotePublicKey = clientKey;
    clientHello = hello;
    boolean accepted;
    try {
      accepted = acceptClient.test(clientKey.clone());
    } catch (RuntimeException e) {
      wipe();
      throw e;
    }
    if (!accepted) {
      throw fail(CLIENT_REFUSED, 3, "client key refused by policy");
    }
    hash(secret3, networkKey, ab, aB, Ab);
    byte[] acceptSigned = concat(networkKey, hello, abHash);
    byte[] sig = local.sign(acceptSigned);
    byte[] box = new byte[SERVER_ACCEPT_BYTES];
    Sodium.raw().crypto_secretbox_easy(box, sig, sig.length, ZERO_NONCE, secret3);
    outbound = box;
    complete();
  }

  private void receiveServerAccept(byte[] m) throws HandshakeException {
    // Ab as the client computes it: curve(a) * b_p.
    if (!local.x25519(Ab, remoteEphemeral)) {
      throw fail(MALFORMED_MESSAGE, 4, "server ephemeral key is a low-order point");
    }
    hash(secret3, networkKey, ab, aB, Ab);
    byte[] sig = new byte[64];
    if (Sodium.raw().crypto_secretbox_open_easy(sig, m, m.length, ZERO_NONCE, secret3) != 0) {
      throw fail(SERVER_KEY_MISMATCH, 4, "server accept does not open: the server does not hold the key we dialled");
    }
    byte[] signed = concat(networkKey, clientHello, abHash);
    if (Sodium.raw().crypto_sign_verify_detached(sig, signed, signed.length, remotePublicKey) != 0) {
      throw fail(BAD_SIGNATURE, 4, "server signature does not verify");
    }
    complete();
  }

  /**
   * As the reference's clean(): the session secret is sha256(secret3); each direction's key is
   * sha256(secret || the receiver's long-term public key); each direction's starting nonce is the first 24
   * bytes of the receiver's hello MAC.
   */
  private void complete() {
    byte[] secret = new byte[32];
    Sodium.raw().crypto_hash_sha256(secret, secret3, 32);
    byte[] encryptKey = new byte[32];
    byte[] decryptKey = new byte[32];
    hash(encryptKey, secret, remotePublicKey);
    hash(decryptKey, secret, localPublicKey);
    byte[] encryptNonce = new byte[24];
    byte[] decryptNonce = new byte[24];
    System.arraycopy(remoteMac, 0, encryptNonce, 0, 24);
    System.arraycopy(localMac, 0, decryptNonce, 0, 24);
    Sodium.raw().sodium_memzero(secret, 32);
    session = new Session(remotePublicKey.clone(), encryptKey, encryptNonce, decryptKey, decryptNonce);
    wipe();
    state = State.COMPLETE;
  }

  private HandshakeException fail(Reason reason, int number, String detail) {
    wipe();
    state = State.FAILED;
    return new HandshakeException(reason, number, detail);
  }

  private void wipe() {
    for (byte[] b : new byte[][] {ephemeralSecret, ab, abHash, aB, Ab, secret2, secret3}) {
      Sodium.raw().sodium_memzero(b, b.length);
    }
    state = State.FAILED;
  }

  private static void hash(byte[] out, byte[]... parts) {
    byte[] in = concat(parts);
    Sodium.raw().crypto_hash_sha256(out, in, in.length);
    Sodium.raw().sodium_memzero(in, in.length);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int off = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, off, p.length);
      off += p.length;
    }
    return out;
  }
}
