package org.kith.node.reach;

import com.offbynull.portmapper.PortMapperFactory;
import com.offbynull.portmapper.gateway.Bus;
import com.offbynull.portmapper.gateway.Gateway;
import com.offbynull.portmapper.gateways.network.NetworkGateway;
import com.offbynull.portmapper.gateways.network.internalmessages.CreateTcpNetworkRequest;
import com.offbynull.portmapper.gateways.network.internalmessages.CreateUdpNetworkRequest;
import com.offbynull.portmapper.gateways.network.internalmessages.IdentifiableErrorNetworkResponse;
import com.offbynull.portmapper.gateways.network.internalmessages.KillNetworkRequest;
import com.offbynull.portmapper.gateways.network.internalmessages.WriteUdpNetworkRequest;
import com.offbynull.portmapper.gateways.network.internalmessages.WriteUdpNetworkResponse;
import com.offbynull.portmapper.gateways.process.ProcessGateway;
import com.offbynull.portmapper.gateways.process.internalmessages.KillProcessRequest;
import com.offbynull.portmapper.mapper.MappedPort;
import com.offbynull.portmapper.mapper.PortMapper;
import com.offbynull.portmapper.mapper.PortType;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PortMapping} with offbynull's portmapper 2.0.6 (UPnP-IGD, NAT-PMP, PCP); the only class that sees the
 * library. Exercised in the lab ({@code bench/natlab-upnp}), not in unit tests: it talks to a real router.
 *
 * <p>Packets stay on the local network: the library finds candidate gateways in the routing table and probes
 * them and the SSDP multicast group; every datagram and TCP connection it asks for goes through {@link LocalOnly},
 * which lets through only multicast, link-local, private (RFC 1918, IPv6 ULA) and loopback destinations and
 * answers the rest as if sent (UDP) or refused (TCP).
 */
public final class LibraryPortMapping implements PortMapping {
  private static final Logger LOG = LoggerFactory.getLogger(LibraryPortMapping.class);
  /** slf4j-simple's per-logger level property for the library's loggers. */
  private static final String LIBRARY_LOG_LEVEL = "org.slf4j.simpleLogger.log.com.offbynull";

  static {
    // The library logs every missing route command (ipconfig on Linux, netstat on Windows) as an ERROR with a stack
    // trace, and addresses at INFO: none of it is for the person at the terminal. Our own lines say what matters.
    if (System.getProperty(LIBRARY_LOG_LEVEL) == null) {
      System.setProperty(LIBRARY_LOG_LEVEL, "off");
    }
  }

  private final Gateway network;
  private final Gateway process;
  private final Bus networkBus;

  private LibraryPortMapping(Gateway network, Gateway process) {
    this.network = network;
    this.process = process;
    this.networkBus = new LocalOnly(network.getBus());
  }

  /** Starts the library's network and process threads (daemon threads; {@link #close} ends them). */
  public static LibraryPortMapping create() {
    return new LibraryPortMapping(NetworkGateway.create(), ProcessGateway.create());
  }

  @Override
  public Optional<Lease> map(int internalPort, Duration lifetime) throws IOException, InterruptedException {
    List<PortMapper> found;
    try {
      found = new ArrayList<>(PortMapperFactory.discover(networkBus, process.getBus()));
    } catch (RuntimeException e) {
      throw new IOException("gateway discovery failed: " + e.getClass().getSimpleName(), e);
    }
    // PCP and NAT-PMP first: simpler and better specified than UPnP-IGD's SOAP.
    found.sort(Comparator.comparingInt(m -> rank(protocol(m))));
    IOException last = null;
    for (PortMapper m : found) {
      try {
        MappedPort p = m.mapPort(PortType.TCP, internalPort, internalPort, lifetime.toSeconds());
        return Optional.of(lease(m, p));
      } catch (IllegalStateException | IllegalArgumentException e) {
        LOG.debug("{} refused the mapping ({})", protocol(m), e.getClass().getSimpleName());
        last = new IOException(protocol(m) + " refused the mapping", e);
      }
    }
    if (last != null) {
      throw last;
    }
    return Optional.empty();
  }

  @Override
  public Lease refresh(Lease lease, Duration lifetime) throws IOException, InterruptedException {
    Handle h = (Handle) lease.handle();
    try {
      return lease(h.mapper(), h.mapper().refreshPort(h.port(), lifetime.toSeconds()));
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw new IOException(lease.protocol() + " did not renew the mapping", e);
    }
  }

  @Override
  public void unmap(Lease lease) throws IOException, InterruptedException {
    Handle h = (Handle) lease.handle();
    try {
      h.mapper().unmapPort(h.port());
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw new IOException(lease.protocol() + " did not remove the mapping", e);
    }
  }

  @Override
  public void close() {
    network.getBus().send(new KillNetworkRequest());
    process.getBus().send(new KillProcessRequest());
  }

  private record Handle(PortMapper mapper, MappedPort port) {}

  private static Lease lease(PortMapper m, MappedPort p) {
    InetAddress ext = p.getExternalAddress();
    return new Lease(protocol(m), ext == null ? "" : ext.getHostAddress(), p.getExternalPort(), p.getInternalPort(),
        Duration.ofSeconds(Math.max(1, p.getLifetime())), new Handle(m, p));
  }

  static String protocol(PortMapper m) {
    String n = m.getClass().getSimpleName();
    return n.startsWith("Pcp") ? "PCP" : n.startsWith("NatPmp") ? "NAT-PMP" : "UPnP-IGD";
  }

  private static int rank(String protocol) {
    return switch (protocol) {
      case "PCP" -> 0;
      case "NAT-PMP" -> 1;
      default -> 2;
    };
  }

  /** Whether discovery may send to {@code a}: the local network and its multicast groups only. */
  static boolean local(InetAddress a) {
    if (a == null) {
      return false;
    }
    byte[] b = a.getAddress();
    boolean ula = b.length == 16 && (b[0] & 0xfe) == 0xfc;
    return a.isMulticastAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isLoopbackAddress()
        || ula;
  }

  /** The network gateway's bus, with every destination beyond the local network answered without sending. */
  static final class LocalOnly implements Bus {
    private final Bus inner;
    private final Map<Integer, Bus> udpResponses = new ConcurrentHashMap<>();

    LocalOnly(Bus inner) {
      this.inner = inner;
    }

    @Override
    public void send(Object msg) {
      if (msg instanceof CreateUdpNetworkRequest c) {
        udpResponses.put(c.getId(), c.getResponseBus());
      } else if (msg instanceof WriteUdpNetworkRequest w && !local(w.getRemoteAddress().getAddress())) {
        Bus back = udpResponses.get(w.getId());
        LOG.debug("not probing a non-local address for port mapping");
        if (back != null) {
          back.send(new WriteUdpNetworkResponse(w.getId(), w.getData().length));
        }
        return;
      } else if (msg instanceof CreateTcpNetworkRequest t && !local(t.getDestinationAddress())) {
        LOG.debug("not connecting to a non-local address for port mapping");
        t.getResponseBus().send(new IdentifiableErrorNetworkResponse(t.getId()));
        return;
      }
      inner.send(msg);
    }
  }
}
