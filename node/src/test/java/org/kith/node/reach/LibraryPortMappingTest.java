package org.kith.node.reach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.offbynull.portmapper.gateway.Bus;
import com.offbynull.portmapper.gateways.network.internalmessages.CreateTcpNetworkRequest;
import com.offbynull.portmapper.gateways.network.internalmessages.CreateUdpNetworkRequest;
import com.offbynull.portmapper.gateways.network.internalmessages.IdentifiableErrorNetworkResponse;
import com.offbynull.portmapper.gateways.network.internalmessages.WriteUdpNetworkRequest;
import com.offbynull.portmapper.gateways.network.internalmessages.WriteUdpNetworkResponse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The privacy filter in front of the library's network: nothing beyond the local network goes out. */
class LibraryPortMappingTest {
  private final List<Object> sent = new CopyOnWriteArrayList<>();
  private final List<Object> answered = new CopyOnWriteArrayList<>();
  private final Bus network = sent::add;
  private final Bus back = answered::add;
  private final LibraryPortMapping.LocalOnly bus = new LibraryPortMapping.LocalOnly(network);

  @Test
  void localDestinations_areTheLanItsGatewayAndMulticast() throws Exception {
    for (String a : List.of("10.1.0.1", "172.16.5.1", "192.168.1.1", "169.254.1.1", "239.255.255.250", "ff02::c",
        "fe80::1", "fd00::1", "127.0.0.1")) {
      assertTrue(LibraryPortMapping.local(InetAddress.getByName(a)), a);
    }
    for (String a : List.of("8.8.8.8", "11.11.0.1", "100.64.0.1", "2001:db8::1", "0.0.0.0")) {
      assertFalse(LibraryPortMapping.local(InetAddress.getByName(a)), a);
    }
  }

  @Test
  void aDatagramBeyondTheLan_isAnsweredAsSent_butNeverSent() throws Exception {
    bus.send(new CreateUdpNetworkRequest(1, back, InetAddress.getByName("0.0.0.0")));
    bus.send(new WriteUdpNetworkRequest(1, new InetSocketAddress("8.8.8.8", 5351), new byte[12]));
    bus.send(new WriteUdpNetworkRequest(1, new InetSocketAddress("192.168.1.1", 5351), new byte[12]));
    assertEquals(2, sent.size(), "the create and the local write only");
    assertInstanceOf(WriteUdpNetworkRequest.class, sent.get(1));
    assertEquals(InetAddress.getByName("192.168.1.1"),
        ((WriteUdpNetworkRequest) sent.get(1)).getRemoteAddress().getAddress());
    assertEquals(12, assertInstanceOf(WriteUdpNetworkResponse.class, answered.get(0)).getAmountWritten());
  }

  @Test
  void aTcpConnectionBeyondTheLan_isRefused_withoutConnecting() throws Exception {
    bus.send(new CreateTcpNetworkRequest(2, back, InetAddress.getByName("0.0.0.0"), InetAddress.getByName("1.2.3.4"),
        80));
    assertTrue(sent.isEmpty());
    assertInstanceOf(IdentifiableErrorNetworkResponse.class, answered.get(0));
    bus.send(new CreateTcpNetworkRequest(3, back, InetAddress.getByName("0.0.0.0"),
        InetAddress.getByName("10.1.0.1"), 5000));
    assertEquals(1, sent.size());
  }
}
