package org.kith.protocol.frame;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * An IP address and TCP port in the binary form of spec/PROTOCOL.md 12.2.1 ({@code WELCOME}) and 12.4
 * ({@code Upgrade.candidates}): {@code family (1: 4 or 6) || address (4 or 16) || port (2, big-endian)}. Never a
 * host name, so reading one never looks anything up.
 */
public final class Endpoint {
  public static final int IPV4_BYTES = 1 + 4 + 2;
  public static final int IPV6_BYTES = 1 + 16 + 2;

  private Endpoint() {}

  /** The endpoint's bytes; {@code addr} must be resolved (a literal address). */
  public static byte[] encode(InetSocketAddress addr) {
    InetAddress a = addr.getAddress();
    if (a == null) {
      throw new IllegalArgumentException("unresolved address: " + addr);
    }
    byte[] ip = a.getAddress();
    ByteBuffer b = ByteBuffer.allocate(1 + ip.length + 2);
    b.put((byte) (ip.length == 4 ? 4 : 6)).put(ip).putShort((short) addr.getPort());
    return b.array();
  }

  /**
   * Reads one endpoint at {@code b}'s position. Returns null, consuming one byte, when the family byte is 0 (no
   * endpoint: what an older room's zero padding reads as).
   */
  public static InetSocketAddress read(ByteBuffer b) throws FrameException {
    if (!b.hasRemaining()) {
      throw malformed("endpoint missing");
    }
    int family = b.get() & 0xff;
    if (family == 0) {
      return null;
    }
    int n = family == 4 ? 4 : family == 6 ? 16 : -1;
    if (n < 0) {
      throw malformed("endpoint family " + family + ", not 4 or 6");
    }
    if (b.remaining() < n + 2) {
      throw malformed("endpoint of family " + family + " truncated");
    }
    byte[] ip = new byte[n];
    b.get(ip);
    int port = b.getShort() & 0xffff;
    return check(ip, port);
  }

  /** One endpoint that fills {@code bytes} exactly, valid as a dial target (see {@link #check}). */
  public static InetSocketAddress decode(byte[] bytes) throws FrameException {
    if (bytes.length != IPV4_BYTES && bytes.length != IPV6_BYTES) {
      throw malformed("endpoint of " + bytes.length + " bytes, not " + IPV4_BYTES + " or " + IPV6_BYTES);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    InetSocketAddress a = read(b);
    if (a == null || (bytes.length == IPV4_BYTES) != (a.getAddress() instanceof Inet4Address)) {
      throw malformed("endpoint family does not match its length");
    }
    return a;
  }

  /**
   * A dialable unicast address: port not 0; not the unspecified address, not multicast, not the IPv4
   * broadcast address.
   */
  private static InetSocketAddress check(byte[] ip, int port) throws FrameException {
    if (port == 0) {
      throw malformed("endpoint port 0");
    }
    InetAddress a;
    try {
      a = InetAddress.getByAddress(ip);
    } catch (UnknownHostException e) {
      throw malformed("endpoint address of " + ip.length + " bytes");
    }
    boolean broadcast = a instanceof Inet4Address && (ip[0] & ip[1] & ip[2] & ip[3]) == (byte) 0xff;
    if (a.isAnyLocalAddress() || a.isMulticastAddress() || broadcast) {
      throw malformed("endpoint is not a unicast address");
    }
    // An IPv4-mapped IPv6 address comes back as Inet4Address: keep the family the peer wrote.
    if (ip.length == 16 && !(a instanceof Inet6Address)) {
      try {
        a = Inet6Address.getByAddress(null, ip, null);
      } catch (UnknownHostException e) {
        throw malformed("endpoint address of " + ip.length + " bytes");
      }
    }
    return new InetSocketAddress(a, port);
  }

  private static FrameException malformed(String message) {
    return new FrameException(FrameException.Code.MALFORMED, message);
  }
}
