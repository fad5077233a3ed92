package org.kith.node;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.kith.storage.Store;
import org.kith.storage.VaultException;

/**
 * Where this node listens, remembered in the vault so that an invite made while the node is stopped still
 * carries the right port. Default: all interfaces, port 7347.
 */
public record ListenConfig(String host, int port) {
  public static final int DEFAULT_PORT = 7347;
  static final byte[] KEY = {0x02};

  public ListenConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  public static ListenConfig parse(String hostPort) throws KithException {
    String s = hostPort == null ? "" : hostPort.strip();
    int colon = s.lastIndexOf(':');
    try {
      if (colon < 0) {
        return new ListenConfig("0.0.0.0", Integer.parseInt(s));
      }
      String host = s.substring(0, colon).replace("[", "").replace("]", "");
      return new ListenConfig(host.isEmpty() ? "0.0.0.0" : host, Integer.parseInt(s.substring(colon + 1)));
    } catch (IllegalArgumentException e) {
      throw new KithException(KithException.USAGE, "--listen takes HOST:PORT, e.g. 0.0.0.0:7347: " + hostPort);
    }
  }

  public static ListenConfig load(PersonalNode node) throws KithException {
    try {
      byte[] v = node.vault().get(Store.META, KEY);
      return v == null ? new ListenConfig("0.0.0.0", DEFAULT_PORT) : parse(new String(v, StandardCharsets.UTF_8));
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  public void save(PersonalNode node) throws KithException {
    try {
      node.vault().put(Store.META, KEY, (host + ":" + port).getBytes(StandardCharsets.UTF_8));
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  /**
   * Addresses to hand to a peer: for a wildcard listen, this machine's site-local IPv4 addresses first, then
   * loopback (which works for two nodes on one machine); otherwise the host given.
   */
  public List<String> advertised() {
    List<String> out = new ArrayList<>();
    if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
      try {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
          if (!ni.isUp() || ni.isLoopback()) {
            continue;
          }
          for (InetAddress a : Collections.list(ni.getInetAddresses())) {
            if (a instanceof Inet4Address && (a.isSiteLocalAddress() || !a.isLinkLocalAddress())) {
              out.add(a.getHostAddress() + ":" + port);
            }
          }
        }
      } catch (SocketException e) {
        // No interfaces to list: loopback alone still serves two nodes on one machine.
      }
      if (out.size() > 3) {
        out = new ArrayList<>(out.subList(0, 3));
      }
      out.add("127.0.0.1:" + port);
    } else {
      out.add(host + ":" + port);
    }
    return out;
  }
}
