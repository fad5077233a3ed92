package org.kith.node.cli;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.util.Map;

/** Renders a QR code for a terminal with Unicode half blocks: two module rows per text line. */
final class Qr {
  private Qr() {}

  static BitMatrix matrix(String text) {
    try {
      return new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0,
          Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 2));
    } catch (WriterException e) {
      throw new IllegalStateException("QR encoding failed for a text of " + text.length() + " characters", e);
    }
  }

  /** Dark modules print as spaces on a light background block, so it scans on dark and light terminals. */
  static String render(String text) {
    BitMatrix m = matrix(text);
    StringBuilder sb = new StringBuilder();
    for (int y = 0; y < m.getHeight(); y += 2) {
      for (int x = 0; x < m.getWidth(); x++) {
        boolean top = m.get(x, y);
        boolean bottom = y + 1 < m.getHeight() && m.get(x, y + 1);
        sb.append(top ? (bottom ? ' ' : '▄') : (bottom ? '▀' : '█'));
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
