package org.kith.node.peers;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.kith.node.base.KithException;
import org.kith.node.vault.VaultSchema;
import org.kith.node.vault.Vaults;
import org.kith.storage.Store;
import org.kith.storage.Vault;
import org.kith.storage.VaultException;

/**
 * Where this node listens, remembered in the vault so that an invite made while the node is stopped still
 * carries the right port. Default: all interfaces, port 7347.
 */
public record ListenConfig(String host, int port) {
  public static final int DEFAULT_PORT = 7347;

  public ListenConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /** {@code HOST:PORT}, {@code :PORT} or {@code PORT} (all interfaces); port 0 picks a free one. */
  public static ListenConfig parse(String hostPort) throws KithException {
    String s = hostPort == null ? "" : hostPort.strip();
    if (s.indexOf(':') < 0) {
      s = "0.0.0.0:" + s;
    } else if (s.startsWith(":")) {
      s = "0.0.0.0" + s;
    }
    boolean anyPort = s.endsWith(":0");
    // HostPort takes ports 1..65535; 0 (any free port) is only meaningful for listening.
    HostPort hp = HostPort.tryParse(anyPort ? s.substring(0, s.length() - 1) + "1" : s).orElseThrow(() ->
        new KithException(KithException.USAGE, "--listen takes HOST:PORT, e.g. 0.0.0.0:7347: " + hostPort));
    return new ListenConfig(hp.host(), anyPort ? 0 : hp.port());
  }

  public static ListenConfig load(Vault vault) throws KithException {
    try {
      byte[] v = vault.get(Store.META, VaultSchema.LISTEN_KEY);
      return v == null ? new ListenConfig("0.0.0.0", DEFAULT_PORT) : parse(new String(v, StandardCharsets.UTF_8));
    } catch (VaultException e) {
      throw Vaults.translate(e);
    }
  }

  public void save(Vault vault) throws KithException {
    try {
      vault.put(Store.META, VaultSchema.LISTEN_KEY, (host + ":" + port).getBytes(StandardCharsets.UTF_8));
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
