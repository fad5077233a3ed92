package org.kith.node.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Where a connection comes from, as per-source limits count it: an IPv4 address, or the /64 prefix of an IPv6
 * address (one home or host is usually given a whole /64, so counting single IPv6 addresses would let one
 * machine look like millions).
 */
public final class SourceAddress {
  private static final SourceAddress UNKNOWN = new SourceAddress(new byte[0]);
  /** Bytes of an IPv6 address that name its /64. */
  private static final int IPV6_PREFIX_BYTES = 8;

  private final byte[] bytes;

  private SourceAddress(byte[] bytes) {
    this.bytes = bytes;
  }

  public static SourceAddress of(InetAddress a) {
    if (a == null) {
      return UNKNOWN;
    }
    byte[] b = a.getAddress();
    return new SourceAddress(a instanceof Inet4Address ? b : Arrays.copyOf(b, IPV6_PREFIX_BYTES));
  }

  /** The source of a socket address; every address that is not an IP address counts as one source. */
  public static SourceAddress of(SocketAddress a) {
    return a instanceof java.net.InetSocketAddress i ? of(i.getAddress()) : UNKNOWN;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SourceAddress s && Arrays.equals(bytes, s.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return bytes.length == 4 ? (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "."
        + (bytes[3] & 0xff) : bytes.length == 0 ? "unknown" : HexFormat.of().formatHex(bytes) + "::/64";
  }
}
