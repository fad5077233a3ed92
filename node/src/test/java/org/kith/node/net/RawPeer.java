package org.kith.node.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
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

/**
 * A blocking peer built from the protocol state machines alone, without the transport, so a test can send
 * what a well-behaved node never would.
 */
final class RawPeer implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private BoxStreamEncoder encoder;
  private BoxStreamDecoder decoder;
  private final FrameDecoder frames = new FrameDecoder();
  /** Frames decoded but not yet handed out by {@link #next()}. */
  private final ArrayDeque<Frame> decoded = new ArrayDeque<>();

  private RawPeer(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** TCP only; no handshake. */
  static RawPeer tcp(InetSocketAddress addr) throws IOException {
    Socket s = new Socket();
    // Safety nets against a hang, not timing assertions.
    int limitMillis = (int) TestNode.AWAIT_LIMIT.toMillis();
    s.connect(addr, limitMillis);
    s.setSoTimeout(limitMillis);
    return new RawPeer(s);
  }

  /** TCP plus a completed handshake; nothing sent after it. */
  static RawPeer handshake(InetSocketAddress addr, KeyPair identity, PublicId server) throws Exception {
    RawPeer p = tcp(addr);
    SecretHandshake shs = SecretHandshake.client(NetworkKey.KITH_V1, identity, server.key());
    while (!shs.isComplete()) {
      byte[] m = shs.nextMessage();
      if (m != null) {
        p.out.write(m);
      }
      shs.receive(p.in.readNBytes(shs.expectedBytes()));
    }
    Session session = shs.session();
    p.encoder = new BoxStreamEncoder(session);
    p.decoder = new BoxStreamDecoder(session);
    return p;
  }

  void hello() throws Exception {
    sendFrame(FrameCodec.frame(FrameType.HELLO, 0,
        Hello.newBuilder().setProtocolVersion(Limits.PROTOCOL_VERSION).build()));
  }

  void sendFrame(Frame f) throws Exception {
    sendBoxed(FrameCodec.encode(f));
  }

  void sendBoxed(byte[] plain) throws IOException {
    out.write(encoder.encode(plain));
    out.flush();
  }

  void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** The next frame from the server; fails if the connection closes first or stays silent too long. */
  Frame next() throws Exception {
    while (decoded.isEmpty()) {
      if (!readSome()) {
        throw new AssertionError("server closed the connection");
      }
    }
    return decoded.poll();
  }

  /**
   * Every frame not yet returned by {@link #next()}, until the server closes the connection; fails if it is
   * still open after {@link TestNode#AWAIT_LIMIT}, a safety net.
   */
  List<Frame> readUntilClosed() throws Exception {
    // Overall, not per read: a server that keeps sending (PINGs) would otherwise hold a test forever.
    long deadline = System.nanoTime() + TestNode.AWAIT_LIMIT.toNanos();
    while (readSome()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("server did not close the connection; frames so far " + decoded);
      }
    }
    List<Frame> got = new ArrayList<>(decoded);
    decoded.clear();
    return got;
  }

  /** Reads and decodes what arrived; false once the server closed the connection. */
  private boolean readSome() throws Exception {
    byte[] buf = new byte[8192];
    int n;
    try {
      n = in.read(buf);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("nothing from the server for " + TestNode.AWAIT_LIMIT + "; frames so far " + decoded);
    } catch (IOException e) {
      return false; // reset
    }
    if (n < 0) {
      return false;
    }
    if (decoder != null) {
      for (byte[] body : decoder.decode(buf, 0, n)) {
        decoded.addAll(frames.feed(body));
      }
    }
    return true;
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
