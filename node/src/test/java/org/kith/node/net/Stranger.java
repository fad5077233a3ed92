package org.kith.node.net;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.kith.node.MiniCluster;
import org.kith.protocol.Limits;
import org.kith.protocol.boxstream.BoxStreamDecoder;
import org.kith.protocol.boxstream.BoxStreamEncoder;
import org.kith.protocol.frame.FrameCodec;
import org.kith.protocol.frame.FrameDecoder;
import org.kith.protocol.handshake.NetworkKey;
import org.kith.protocol.handshake.SecretHandshake;
import org.kith.protocol.handshake.Session;
import org.kith.protocol.identity.KeyPair;
import org.kith.protocol.identity.PublicId;
import org.kith.protocol.proto.Frame;
import org.kith.protocol.proto.FrameType;
import org.kith.protocol.proto.Hello;
import org.kith.protocol.proto.PairRequest;

/**
 * Someone who can reach a node's port and holds a key of its own, nothing more: a blocking client built from
 * the protocol state machines, that connects from a chosen loopback address (any of 127.0.0.0/8 reaches a
 * listener on 127.0.0.1 under Linux), so tests can play several source addresses. For the admission tests in
 * this package and the flood tests of other packages.
 */
public final class Stranger implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final KeyPair identity;
  private BoxStreamEncoder encoder;
  private BoxStreamDecoder decoder;
  private final FrameDecoder frames = new FrameDecoder();
  private final ArrayDeque<Frame> received = new ArrayDeque<>();
  private long lastId;

  private Stranger(Socket socket, KeyPair identity) throws IOException {
    this.socket = socket;
    this.identity = identity;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** A TCP connection from {@code fromHost} that never sends a byte. */
  public static Socket idle(InetSocketAddress server, String fromHost) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(fromHost, 0));
    s.connect(server, (int) MiniCluster.AWAIT_LIMIT.toMillis());
    s.setSoTimeout((int) MiniCluster.AWAIT_LIMIT.toMillis());
    return s;
  }

  /** Handshake with a fresh key from {@code fromHost}, then HELLO. */
  public static Stranger connect(InetSocketAddress server, PublicId serverId, String fromHost) throws Exception {
    return connect(server, serverId, fromHost, KeyPair.generate());
  }

  /** Handshake with {@code identity} from {@code fromHost}, then HELLO. */
  public static Stranger connect(InetSocketAddress server, PublicId serverId, String fromHost, KeyPair identity)
      throws Exception {
    Stranger p = new Stranger(idle(server, fromHost), identity);
    try {
      SecretHandshake shs = SecretHandshake.client(NetworkKey.KITH_V1, identity, serverId.key());
      while (!shs.isComplete()) {
        byte[] m = shs.nextMessage();
        if (m != null) {
          p.out.write(m);
        }
        byte[] reply = p.in.readNBytes(shs.expectedBytes());
        if (reply.length < shs.expectedBytes()) {
          shs.peerClosed();
        }
        shs.receive(reply);
      }
      try (Session session = shs.session()) {
        p.encoder = new BoxStreamEncoder(session);
        p.decoder = new BoxStreamDecoder(session);
      }
      p.send(FrameCodec.frame(FrameType.HELLO, 0,
          Hello.newBuilder().setProtocolVersion(Limits.PROTOCOL_VERSION).build()));
      return p;
    } catch (Exception | Error e) {
      p.close();
      throw e;
    }
  }

  public PublicId id() {
    return identity.id();
  }

  public void send(Frame f) throws Exception {
    out.write(encoder.encode(FrameCodec.encode(f)));
    out.flush();
  }

  /** Sends a request with the next request id; returns the id. */
  public long request(FrameType type, MessageLite payload) throws Exception {
    long id = ++lastId;
    send(FrameCodec.frame(type, id, payload));
    return id;
  }

  public long ping() throws Exception {
    return request(FrameType.PING, Empty.getDefaultInstance());
  }

  /** A PAIR_REQUEST for a random invite id with a random proof: a guess. */
  public long bogusPairRequest() throws Exception {
    byte[] invite = new byte[16];
    byte[] proof = new byte[32];
    ThreadLocalRandom.current().nextBytes(invite);
    ThreadLocalRandom.current().nextBytes(proof);
    return request(FrameType.PAIR_REQUEST, PairRequest.newBuilder().setInviteId(ByteString.copyFrom(invite))
        .setProof(ByteString.copyFrom(proof)).build());
  }

  /** The next frame, or null once the node closed the connection. */
  public Frame next() throws Exception {
    byte[] buf = new byte[8192];
    while (received.isEmpty()) {
      int n;
      try {
        n = in.read(buf);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the node neither sent a frame nor closed within " + MiniCluster.AWAIT_LIMIT);
      } catch (IOException e) {
        return null; // reset
      }
      if (n < 0) {
        return null;
      }
      for (byte[] body : decoder.decode(buf, 0, n)) {
        if (body.length > 0) {
          received.addAll(frames.feed(body, 0, body.length));
        }
      }
    }
    return received.poll();
  }

  /** The next frame that is not HELLO, or null once the node closed the connection. */
  public Frame answer() throws Exception {
    Frame f = next();
    while (f != null && f.getHeader().getType() == FrameType.HELLO) {
      f = next();
    }
    return f;
  }

  /** Every frame until the node closes the connection (an assertion error past the await limit). */
  public List<Frame> readUntilClosed() throws Exception {
    List<Frame> got = new ArrayList<>();
    for (Frame f = next(); f != null; f = next()) {
      got.add(f);
    }
    return got;
  }

  /** Waits until the node closed {@code s}, whatever it sent before. */
  public static void awaitClosed(Socket s) throws IOException {
    byte[] buf = new byte[1024];
    try {
      while (s.getInputStream().read(buf) >= 0) {
        // discard
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the node did not close the socket within " + MiniCluster.AWAIT_LIMIT);
    } catch (IOException e) {
      // reset: closed
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
    if (encoder != null) {
      encoder.close();
      decoder.close();
    }
  }
}
