package org.kith.node.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** The ways a test feeds bytes to a decoder: whole, one byte at a time, and in random slices. */
final class Slices {
  private Slices() {}

  static List<List<byte[]>> of(byte[] bytes, long seed) {
    List<List<byte[]>> ways = new ArrayList<>();
    ways.add(List.of(bytes));
    List<byte[]> single = new ArrayList<>();
    for (byte b : bytes) {
      single.add(new byte[] {b});
    }
    ways.add(single);
    Random random = new Random(seed);
    for (int round = 0; round < 5; round++) {
      List<byte[]> slices = new ArrayList<>();
      int pos = 0;
      while (pos < bytes.length) {
        int n = Math.min(bytes.length - pos, 1 + random.nextInt(Math.max(1, bytes.length / 3)));
        slices.add(Arrays.copyOfRange(bytes, pos, pos + n));
        pos += n;
      }
      ways.add(slices);
    }
    return ways;
  }
}
