package org.kith.protocol.frame;

import java.util.ArrayList;
import java.util.List;
import org.kith.protocol.Limits;
import org.kith.protocol.proto.Frame;

/**
 * Turns the bytes of one direction of a connection into frames, however the bytes are sliced. Pure: no I/O,
 * no threads; one instance per direction, not thread-safe.
 *
 * <p>The length prefix is checked against {@link Limits#MAX_FRAME_BYTES} byte by byte, so an oversized frame
 * is refused before its buffer would be allocated. After the first {@link FrameException} the decoder stays
 * failed: the stream is no longer in a known state.
 */
public final class FrameDecoder {
  private static final int MAX_PREFIX_BYTES = 5;

  private int prefixValue;
  private int prefixBytes;
  private byte[] body; // null while reading a prefix
  private int bodyFilled;
  private FrameException failure;

  /** Frames completed by {@code bytes[offset, offset+length)}, in order; possibly none. */
  public List<Frame> feed(byte[] bytes, int offset, int length) throws FrameException {
    if (offset < 0 || length < 0 || offset > bytes.length - length) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + ", length " + length + ", array " + bytes.length);
    }
    if (failure != null) {
      throw failure;
    }
    try {
      return decode(bytes, offset, length);
    } catch (FrameException e) {
      failure = e;
      throw e;
    }
  }

  public List<Frame> feed(byte[] bytes) throws FrameException {
    return feed(bytes, 0, bytes.length);
  }

  /**
   * Call when the stream has ended cleanly (box-stream goodbye): a frame cut short is an error, not a clean
   * end.
   */
  public void finish() throws FrameException {
    if (failure != null) {
      throw failure;
    }
    if (prefixBytes != 0 || body != null) {
      failure = new FrameException(FrameException.Code.MALFORMED, "stream ended inside a frame");
      throw failure;
    }
  }

  /** Bytes of an incomplete frame held, prefix included. */
  public int buffered() {
    return prefixBytes + bodyFilled;
  }

  private List<Frame> decode(byte[] bytes, int offset, int length) throws FrameException {
    List<Frame> frames = new ArrayList<>(0);
    int pos = offset;
    int end = offset + length;
    while (pos < end) {
      if (body == null) {
        int b = bytes[pos++] & 0xff;
        if (prefixBytes > 0 && b == 0) {
          // A final group of zero means a longer encoding than needed; only one encoding is accepted.
          throw new FrameException(FrameException.Code.MALFORMED, "non-minimal length prefix");
        }
        prefixValue |= (b & 0x7f) << (7 * prefixBytes);
        prefixBytes++;
        // Every later group only adds higher bits, so the value so far is a lower bound: refuse as soon as
        // it passes the maximum, without waiting for the rest of the prefix.
        if (prefixValue > Limits.MAX_FRAME_BYTES || prefixValue < 0) {
          throw new FrameException(
              FrameException.Code.TOO_LARGE,
              "length prefix exceeds MAX_FRAME_BYTES " + Limits.MAX_FRAME_BYTES);
        }
        if ((b & 0x80) != 0) {
          if (prefixBytes == MAX_PREFIX_BYTES) {
            throw new FrameException(FrameException.Code.MALFORMED, "length prefix longer than 5 bytes");
          }
          continue;
        }
        if (prefixValue == 0) {
          throw new FrameException(FrameException.Code.MALFORMED, "empty frame");
        }
        body = new byte[prefixValue];
        bodyFilled = 0;
        prefixValue = 0;
        prefixBytes = 0;
      }
      int n = Math.min(end - pos, body.length - bodyFilled);
      System.arraycopy(bytes, pos, body, bodyFilled, n);
      pos += n;
      bodyFilled += n;
      if (bodyFilled == body.length) {
        byte[] complete = body;
        body = null;
        bodyFilled = 0;
        frames.add(FrameCodec.decodeBody(complete, 0, complete.length));
      }
    }
    return frames;
  }
}
