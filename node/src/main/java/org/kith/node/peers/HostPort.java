package org.kith.node.peers;

import java.net.InetSocketAddress;
import java.util.Optional;
import org.kith.node.base.KithException;

/**
 * A {@code host:port} as people type it and as invites and addresses carry it: a DNS name, an IPv4 address or
 * a bracketed IPv6 address, and a port in 1..65535. The one parser of such strings in the node; it never looks
 * a name up.
 */
public record HostPort(String host, int port) {
  public HostPort {
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /** Parses {@code host:port}, refusing anything else with a message for the user. */
  public static HostPort parse(String text) throws KithException {
    return tryParse(text).orElseThrow(() -> KithException.badInput("not HOST:PORT: " + text));
  }

  /** {@code host:port} with a DNS name, IPv4 or [IPv6] host and a port in 1..65535; checked without any lookup. */
  public static Optional<HostPort> tryParse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1 || colon + 6 < text.length()) {
      return Optional.empty();
    }
    String host = text.substring(0, colon);
    String port = text.substring(colon + 1);
    if (!port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Optional.empty();
    }
    int p = Integer.parseInt(port);
    if (p < 1 || p > 65535) {
      return Optional.empty();
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      String inner = host.substring(1, host.length() - 1);
      boolean ok = !inner.isEmpty() && inner.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
      return ok ? Optional.of(new HostPort(inner, p)) : Optional.empty();
    }
    boolean ok = host.chars().allMatch(c -> c == '.' || c == '-' || (c < 128 && Character.isLetterOrDigit(c)));
    return ok ? Optional.of(new HostPort(host, p)) : Optional.empty();
  }

  /** Prefix of a TCP address in address records (spec/PROTOCOL.md 12.3): {@code tcp:HOST:PORT}. */
  public static final String TCP = "tcp:";

  /** A peer address to dial over TCP: {@code tcp:HOST:PORT}, or a bare {@code HOST:PORT} as invites carry it. */
  public static Optional<HostPort> tryParseTcp(String address) {
    if (address == null) {
      return Optional.empty();
    }
    return tryParse(address.startsWith(TCP) ? address.substring(TCP.length()) : address);
  }

  /** An address to dial; a DNS name is resolved here, at dial time. */
  public InetSocketAddress toSocketAddress() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
