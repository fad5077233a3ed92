package org.kith.node.reach;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Our seam in front of a port-mapping library (UPnP-IGD, NAT-PMP, PCP): {@link LibraryPortMapping} is the real
 * one, tests use a fake. Every method may block for seconds (it talks to the router); callers run it on their own
 * thread, never on an event loop.
 */
public interface PortMapping extends AutoCloseable {
  /** A TCP port mapping the router granted; {@code handle} is the library's own object for it. */
  record Lease(String protocol, String externalHost, int externalPort, int internalPort, Duration lifetime,
      Object handle) {
    public Lease {
      if (externalPort < 1 || externalPort > 0xffff || internalPort < 1 || internalPort > 0xffff) {
        throw new IllegalArgumentException("port out of range: " + externalPort + " -> " + internalPort);
      }
      if (lifetime.isNegative() || lifetime.isZero()) {
        throw new IllegalArgumentException("lifetime not positive: " + lifetime);
      }
    }
  }

  /**
   * Discovers the gateways on the local network and maps TCP {@code internalPort} (the same external port if the
   * router allows) for {@code lifetime}; empty when no gateway maps ports.
   */
  Optional<Lease> map(int internalPort, Duration lifetime) throws IOException, InterruptedException;

  /** Renews {@code lease} for {@code lifetime}; the router may answer with another external port. */
  Lease refresh(Lease lease, Duration lifetime) throws IOException, InterruptedException;

  /** Removes {@code lease} from the router. */
  void unmap(Lease lease) throws IOException, InterruptedException;

  /** Releases the library's threads and sockets. */
  @Override
  void close();

  /** A mapping that never finds a gateway: {@code kith start --no-port-mapping}, and loopback listeners. */
  PortMapping NONE = new PortMapping() {
    @Override
    public Optional<Lease> map(int internalPort, Duration lifetime) {
      return Optional.empty();
    }

    @Override
    public Lease refresh(Lease lease, Duration lifetime) {
      return lease;
    }

    @Override
    public void unmap(Lease lease) {
      // nothing mapped
    }

    @Override
    public void close() {
      // nothing held
    }
  };
}
