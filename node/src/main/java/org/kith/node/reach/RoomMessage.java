package org.kith.node.reach;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.kith.protocol.frame.Endpoint;
import org.kith.protocol.frame.FrameException;
import org.kith.protocol.identity.PublicId;

/**
 * One control message between a member and a room (spec/PROTOCOL.md 12.2): the plaintext of exactly one
 * box-stream box of {@link #BYTES} bytes, zero-padded, so that the length of a box says nothing about its kind.
 *
 * <pre>
 * type (1) || fields of the type || zero padding up to BYTES
 *   JOIN     secret (32)               HERE, LEAVE, PING, PONG, LEFT   (no fields)
 *   CONNECT  target key (32)           ACCEPT, REFUSE                  tunnel id (16)
 *   INCOMING caller key (32) || tunnel id (16)
 *   SPLICED  other member's key (32)
 *   WELCOME  name length (1) || name (UTF-8, at most MAX_NAME_BYTES)
 *            || observed address: family (1: 4, 6, or 0 for none) || address (4 or 16) || port (2)
 *   ERROR    code (1) || message length (1) || message (UTF-8, at most MAX_MESSAGE_BYTES)
 *   DIALBACK port (2)
 *   DIALED   result (1) || address: family (1: 4 or 6) || IP (4 or 16) || port (2)    (spec 12.5)
 * </pre>
 */
record RoomMessage(Type type, PublicId key, byte[] tunnelId, byte[] secret, Code code, String text, DialBack dial,
    InetSocketAddress observed) {
  /** Every control box carries exactly this many plaintext bytes. */
  static final int BYTES = 128;
  static final int SECRET_BYTES = 32;
  static final int TUNNEL_ID_BYTES = 16;
  static final int MAX_NAME_BYTES = 64;
  static final int MAX_MESSAGE_BYTES = 100;

  RoomMessage(Type type, PublicId key, byte[] tunnelId, byte[] secret, Code code, String text) {
    this(type, key, tunnelId, secret, code, text, null, null);
  }

  /**
   * The fields of DIALBACK (only {@code port}) and DIALED (all three): a member asks the room to dial it back at
   * {@code port} of its observed address; the room answers with what it found at {@code address}.
   */
  record DialBack(DialResult result, InetSocketAddress address, int port) {
    DialBack {
      if (port < 0 || port > 0xffff) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
    }
  }

  /** DIALED results. */
  enum DialResult {
    /** The handshake with the member's key completed at the address. */
    REACHED(0),
    /** Nothing answered within the time (refused, dropped, or timed out). */
    NO_ANSWER(1),
    /** Something answered but did not complete the handshake with the member's key. */
    WRONG_KEY(2),
    /** Not dialled: the member asked again too soon, or the room has too many dial-backs in flight. */
    LIMIT(3);

    final int wire;

    DialResult(int wire) {
      this.wire = wire;
    }

    static DialResult of(int wire) throws RoomProtocolException {
      for (DialResult r : values()) {
        if (r.wire == wire) {
          return r;
        }
      }
      throw new RoomProtocolException("unknown dial-back result " + wire);
    }
  }

  /** Message kinds; the wire value is {@link #wire}. */
  enum Type {
    JOIN(1), HERE(2), LEAVE(3), CONNECT(4), ACCEPT(5), REFUSE(6), PING(7), DIALBACK(8),
    WELCOME(16), INCOMING(17), SPLICED(18), ERROR(19), PONG(20), LEFT(21), DIALED(22);

    final int wire;

    Type(int wire) {
      this.wire = wire;
    }

    static Type of(int wire) throws RoomProtocolException {
      for (Type t : values()) {
        if (t.wire == wire) {
          return t;
        }
      }
      throw new RoomProtocolException("unknown room message type " + wire);
    }
  }

  /** ERROR codes. */
  enum Code {
    NOT_MEMBER(1), BAD_SECRET(2), NOT_HERE(3), REFUSED(4), LIMIT(5), MALFORMED(6), FULL(7);

    final int wire;

    Code(int wire) {
      this.wire = wire;
    }

    static Code of(int wire) throws RoomProtocolException {
      for (Code c : values()) {
        if (c.wire == wire) {
          return c;
        }
      }
      throw new RoomProtocolException("unknown room error code " + wire);
    }
  }

  static RoomMessage of(Type t) {
    return new RoomMessage(t, null, null, null, null, null, null, null);
  }

  static RoomMessage join(byte[] secret) {
    return new RoomMessage(Type.JOIN, null, null, secret.clone(), null, null, null, null);
  }

  static RoomMessage connect(PublicId target) {
    return new RoomMessage(Type.CONNECT, target, null, null, null, null, null, null);
  }

  static RoomMessage accept(byte[] tunnelId) {
    return new RoomMessage(Type.ACCEPT, null, tunnelId.clone(), null, null, null, null, null);
  }

  static RoomMessage refuse(byte[] tunnelId) {
    return new RoomMessage(Type.REFUSE, null, tunnelId.clone(), null, null, null, null, null);
  }

  static RoomMessage incoming(PublicId caller, byte[] tunnelId) {
    return new RoomMessage(Type.INCOMING, caller, tunnelId.clone(), null, null, null, null, null);
  }

  static RoomMessage spliced(PublicId other) {
    return new RoomMessage(Type.SPLICED, other, null, null, null, null, null, null);
  }

  static RoomMessage welcome(String roomName) {
    return welcome(roomName, null);
  }

  /** {@code observed}: where the room sees the member's connection come from (null: not told). */
  static RoomMessage welcome(String roomName, InetSocketAddress observed) {
    return new RoomMessage(Type.WELCOME, null, null, null, null, roomName, null, observed);
  }

  static RoomMessage error(Code code, String message) {
    return new RoomMessage(Type.ERROR, null, null, null, code, message, null, null);
  }

  static RoomMessage dialBack(int port) {
    if (port < 1) {
      throw new IllegalArgumentException("port < 1: " + port);
    }
    return new RoomMessage(Type.DIALBACK, null, null, null, null, null, new DialBack(null, null, port), null);
  }

  static RoomMessage dialed(DialResult result, InetSocketAddress address) {
    return new RoomMessage(Type.DIALED, null, null, null, null, null,
        new DialBack(result, address, address.getPort()), null);
  }

  byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(BYTES);
    b.put((byte) type.wire);
    switch (type) {
      case JOIN -> b.put(secret);
      case CONNECT, SPLICED -> b.put(key.key());
      case ACCEPT, REFUSE -> b.put(tunnelId);
      case INCOMING -> b.put(key.key()).put(tunnelId);
      case WELCOME -> {
        putText(b, text, MAX_NAME_BYTES);
        if (observed != null && observed.getAddress() != null) {
          b.put(Endpoint.encode(observed));
        }
      }
      case ERROR -> {
        b.put((byte) code.wire);
        putText(b, text, MAX_MESSAGE_BYTES);
      }
      case DIALBACK -> b.putShort((short) dial.port());
      case DIALED -> b.put((byte) dial.result().wire).put(Endpoint.encode(dial.address()));
      default -> {
        // no fields
      }
    }
    return b.array();
  }

  static RoomMessage decode(byte[] body) throws RoomProtocolException {
    if (body.length != BYTES) {
      throw new RoomProtocolException("room message of " + body.length + " bytes, not " + BYTES);
    }
    ByteBuffer b = ByteBuffer.wrap(body);
    Type t = Type.of(b.get() & 0xff);
    return switch (t) {
      case JOIN -> join(bytes(b, SECRET_BYTES));
      case CONNECT -> connect(PublicId.ofKey(bytes(b, PublicId.KEY_BYTES)));
      case SPLICED -> spliced(PublicId.ofKey(bytes(b, PublicId.KEY_BYTES)));
      case ACCEPT -> accept(bytes(b, TUNNEL_ID_BYTES));
      case REFUSE -> refuse(bytes(b, TUNNEL_ID_BYTES));
      case INCOMING -> incoming(PublicId.ofKey(bytes(b, PublicId.KEY_BYTES)), bytes(b, TUNNEL_ID_BYTES));
      case WELCOME -> {
        String name = text(b, MAX_NAME_BYTES);
        try {
          // A room before the observed address pads with zeros: family 0, no address.
          yield welcome(name, Endpoint.read(b));
        } catch (FrameException e) {
          throw new RoomProtocolException("WELCOME: " + e.getMessage());
        }
      }
      case ERROR -> {
        Code c = Code.of(b.get() & 0xff);
        yield error(c, text(b, MAX_MESSAGE_BYTES));
      }
      case DIALBACK -> {
        int port = b.getShort() & 0xffff;
        if (port == 0) {
          throw new RoomProtocolException("DIALBACK to port 0");
        }
        yield dialBack(port);
      }
      case DIALED -> {
        DialResult r = DialResult.of(b.get() & 0xff);
        InetSocketAddress at;
        try {
          at = Endpoint.read(b);
        } catch (FrameException e) {
          throw new RoomProtocolException("DIALED: " + e.getMessage());
        }
        if (at == null) {
          throw new RoomProtocolException("DIALED without an address");
        }
        yield dialed(r, at);
      }
      default -> of(t);
    };
  }

  private static byte[] bytes(ByteBuffer b, int n) {
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  private static void putText(ByteBuffer b, String s, int max) {
    byte[] t = cut(s == null ? "" : s, max);
    b.put((byte) t.length).put(t);
  }

  /** At most {@code max} bytes of UTF-8, cut at a character boundary. */
  static byte[] cut(String s, int max) {
    byte[] t = s.getBytes(StandardCharsets.UTF_8);
    if (t.length <= max) {
      return t;
    }
    int end = max;
    while (end > 0 && (t[end] & 0xC0) == 0x80) {
      end--;
    }
    return Arrays.copyOf(t, end);
  }

  private static String text(ByteBuffer b, int max) throws RoomProtocolException {
    int n = b.get() & 0xff;
    if (n > max) {
      throw new RoomProtocolException("room message text of " + n + " bytes, more than " + max);
    }
    return new String(bytes(b, n), StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    // Never the secret.
    return "RoomMessage[" + type + (key != null ? " " + key.shortText() : "") + (code != null ? " " + code : "")
        + (dial != null && dial.result() != null ? " " + dial.result() : "") + "]";
  }
}
