package org.kith.node.model;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Exact cosine top-k over vectors held in memory. Vectors are L2-normalised on {@link #put}, so a dot product
 * is their cosine; the query is normalised too. Safe for concurrent use: searches share a read lock, writes
 * take the write lock.
 *
 * <p>Why not a plain scan: 100k x 384 floats are 154 MB, and the 2-core machine this was measured on
 * streams about 8 GB/s per core, so a float scan cannot go under about 10 ms however it is written (a scalar
 * one took 37 ms on one core, 19 ms on two). So a search runs in two stages
 * that together are still exact. Stage one scans an 8-bit copy of every vector (a quarter of the bytes),
 * computing an approximate score and, from the quantization error stored with each vector, a bound on how
 * far the true score can be from it. Stage two rescores in float only the vectors whose upper bound reaches
 * the k-th best lower bound; every other vector provably scores below k others. The integer dot products
 * use SWAR: one 64-bit multiply does two 8-bit x 14-bit products in 32-bit lanes, since Java 17 has no
 * stable vector API. Large indexes split stage one across cores.
 *
 * <p>Scores are the float dot product of the stored unit vector and the unit query, summed in dimension
 * order, whichever stage decided the candidates. Memory: 5 bytes per dimension per vector (float plus the
 * 8-bit copy), about 190 MB for 100k x 384.
 *
 * <p>Why one class of this size: the two stages share the quantized layout and its error bounds; the hot loops
 * stay together so the JIT sees them whole, and the benchmark (bench, search) measures this one class.
 */
public final class VectorIndex {
  /** Longest id accepted; ids are random or hashed, never user text. */
  public static final int MAX_ID_BYTES = 64;
  /** Most results one search returns. */
  public static final int MAX_K = 10_000;

  /** Below this many vectors a plain float scan is as fast and simpler. */
  static final int DEFAULT_PREFILTER_MIN_SIZE = 4096;
  /** Longs per dimension in one block of the 8-bit copy; each long holds one byte of 8 rows. */
  static final int BLOCK_LONGS = 128;
  static final int BLOCK_ROWS = 8 * BLOCK_LONGS;
  /** The query is quantized to 14 bits so that 384 products of it with a byte fit a signed 32-bit lane. */
  static final int QUERY_LEVELS = 8191;
  /** Most dimensions for which the lane sums above cannot overflow: 8191 * 255 * 1024 < 2^31. */
  public static final int MAX_DIMENSIONS = 1024;
  /** Blocks per scan task; smaller scans stay on the calling thread. */
  private static final int MIN_BLOCKS_PER_TASK = 8;
  private static final int MAX_SCAN_THREADS = 4;
  /**
   * Slack for float rounding: in the stored unit vectors, in the approximate scores (kept as float), and
   * between the real-number dot product and its float sum over at most 1024 terms (under 1024 * 2^-24).
   */
  private static final double ROUNDING_MARGIN = 1e-4;
  private static final long LANE_MASK = 0x000000FF000000FFL;

  private final int dimensions;
  private final int prefilterMinSize;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<ByteBuffer, Integer> slots = new HashMap<>();
  /** Unit vectors, row-major. */
  private float[] data = new float[0];
  /**
   * 8-bit copy in blocks of {@link #BLOCK_ROWS} rows: one array of {@link #BLOCK_LONGS} longs per block and
   * dimension, at {@code block * dimensions + dimension}; bytes offset by 128. Separate arrays, each scanned
   * from index 0 in step with the accumulators, are what lets C2 vectorize the scan loops: with one flat
   * array at an offset it must assume the accumulators may alias the data, and stays scalar (measured about
   * 1.7x slower).
   */
  private long[][] packed = new long[0][];
  /** Per row: the quantization step, and an upper bound on the norm of the quantization error. */
  private float[] scale = new float[0];
  private float[] errorNorm = new float[0];
  private byte[][] ids = new byte[0][];
  private int size;

  public VectorIndex(int dimensions) {
    this(dimensions, DEFAULT_PREFILTER_MIN_SIZE);
  }

  /** For tests: {@code prefilterMinSize} 0 forces the two-stage search even on tiny indexes. */
  VectorIndex(int dimensions, int prefilterMinSize) {
    if (dimensions <= 0 || dimensions > MAX_DIMENSIONS) {
      throw new IllegalArgumentException("dimensions not in [1, " + MAX_DIMENSIONS + "]: " + dimensions);
    }
    this.dimensions = dimensions;
    this.prefilterMinSize = prefilterMinSize;
  }

  public int dimensions() {
    return dimensions;
  }

  /** Stores {@code vector} (normalised to unit length) under {@code id}, replacing what was there. */
  public void put(byte[] id, float[] vector) {
    checkId(id);
    float[] unit = unit(vector, "vector");
    ByteBuffer key = ByteBuffer.wrap(id.clone());
    lock.writeLock().lock();
    try {
      Integer slot = slots.get(key);
      int s;
      if (slot != null) {
        s = slot;
      } else {
        s = size;
        ensureCapacity(size + 1);
        ids[s] = key.array();
        slots.put(key, s);
        size++;
      }
      writeRow(s, unit);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Removes {@code id}; returns whether it was there. */
  public boolean remove(byte[] id) {
    checkId(id);
    lock.writeLock().lock();
    try {
      Integer slot = slots.remove(ByteBuffer.wrap(id));
      if (slot == null) {
        return false;
      }
      int s = slot;
      int last = size - 1;
      if (s != last) {
        // Keep storage dense: the last vector moves into the hole.
        moveRow(last, s);
        ids[s] = ids[last];
        slots.put(ByteBuffer.wrap(ids[s]), s);
      }
      ids[last] = null;
      size--;
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  public int size() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The cosine similarity of {@code query} to the vector stored under {@code id}; NaN when there is none. */
  public float similarity(byte[] id, float[] query) {
    checkId(id);
    float[] q = unit(query, "query");
    lock.readLock().lock();
    try {
      Integer slot = slots.get(ByteBuffer.wrap(id));
      return slot == null ? Float.NaN : dot(data, slot * dimensions, q);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The {@code k} stored vectors most similar to {@code query}, best first; equal scores are ordered by id
   * (unsigned lexicographic). Fewer than {@code k} when the index holds fewer.
   */
  public List<Hit> topK(float[] query, int k) {
    if (k < 0 || k > MAX_K) {
      throw new IllegalArgumentException("k out of range [0, " + MAX_K + "]: " + k);
    }
    float[] q = unit(query, "query");
    lock.readLock().lock();
    try {
      int n = size;
      TopK top = new TopK(Math.min(k, n));
      if (k == 0 || n == 0) {
        return top.sorted(ids);
      }
      if (n < prefilterMinSize || k >= n) {
        for (int s = 0; s < n; s++) {
          top.offer(dot(data, s * dimensions, q), s, ids);
        }
      } else {
        for (int s : candidates(q, Math.min(k, n))) {
          top.offer(dot(data, s * dimensions, q), s, ids);
        }
      }
      return top.sorted(ids);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Stage one: the rows that may belong to the top {@code k}; every other row provably does not. */
  private int[] candidates(float[] q, int k) {
    int n = size;
    double qStep = maxAbs(q) / QUERY_LEVELS;
    long[] qInt = new long[dimensions];
    long qSum = 0;
    double errSq = 0;
    for (int j = 0; j < dimensions; j++) {
      long d = Math.round(q[j] / qStep);
      qInt[j] = d;
      qSum += d;
      double e = q[j] - qStep * d;
      errSq += e * e;
    }
    double qErr = Math.sqrt(errSq) * (1 + 1e-6);
    float[] approx = new float[n];
    scanAll(qInt, qSum, qStep, approx, n);

    // With q = qStep*d + f and v = step*c + e: q.v = qStep*step*(d.c) + qStep*d.e + f.v, and
    // |qStep*d.e| <= |q - f| |e| <= (1 + |f|) |e|, |f.v| <= |f| (|v| = 1 up to rounding).
    double fixed = qErr * (1 + 1e-6) + ROUNDING_MARGIN;
    double slope = 1 + qErr;
    float[] lowest = new float[k];
    int filled = 0;
    for (int s = 0; s < n; s++) {
      float lower = (float) (approx[s] - slope * errorNorm[s] - fixed);
      if (filled < k) {
        lowest[filled++] = lower;
        if (filled == k) {
          Arrays.sort(lowest);
        }
      } else if (lower > lowest[0]) {
        insertSorted(lowest, lower);
      }
    }
    float threshold = lowest[0];
    int[] out = new int[Math.min(n, 64)];
    int count = 0;
    for (int s = 0; s < n; s++) {
      if (approx[s] + slope * errorNorm[s] + fixed >= threshold) {
        if (count == out.length) {
          out = Arrays.copyOf(out, Math.min(n, out.length * 2));
        }
        out[count++] = s;
      }
    }
    return Arrays.copyOf(out, count);
  }

  /** Replaces the smallest of ascending {@code a} by {@code x}, keeping it ascending. */
  private static void insertSorted(float[] a, float x) {
    int i = 1;
    while (i < a.length && a[i] < x) {
      a[i - 1] = a[i];
      i++;
    }
    a[i - 1] = x;
  }

  private void scanAll(long[] qInt, long qSum, double qStep, float[] approx, int n) {
    int blocks = (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
    int tasks = Math.min(Math.min(SCAN_THREADS, MAX_SCAN_THREADS), Math.max(1, blocks / MIN_BLOCKS_PER_TASK));
    if (tasks <= 1) {
      scanBlocks(qInt, qSum, qStep, approx, n, 0, blocks);
      return;
    }
    List<Future<?>> futures = new ArrayList<>(tasks - 1);
    for (int t = 1; t < tasks; t++) {
      int from = (int) ((long) blocks * t / tasks);
      int to = (int) ((long) blocks * (t + 1) / tasks);
      futures.add(scanPool().submit(() -> scanBlocks(qInt, qSum, qStep, approx, n, from, to)));
    }
    scanBlocks(qInt, qSum, qStep, approx, n, 0, (int) ((long) blocks / tasks));
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted during search", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("search task failed", e.getCause());
      }
    }
  }

  private void scanBlocks(
      long[] qInt, long qSum, double qStep, float[] approx, int n, int fromBlock, int toBlock) {
    final int w = BLOCK_LONGS;
    long[] a0 = new long[w];
    long[] a1 = new long[w];
    long[] a2 = new long[w];
    long[] a3 = new long[w];
    long offsetTerm = 128 * qSum;
    for (int b = fromBlock; b < toBlock; b++) {
      Arrays.fill(a0, 0);
      Arrays.fill(a1, 0);
      Arrays.fill(a2, 0);
      Arrays.fill(a3, 0);
      int slice = b * dimensions;
      for (int j = 0; j < dimensions; j++) {
        long qj = qInt[j];
        long[] x = packed[slice + j];
        // Four simple loops rather than one: each is a shape C2's SuperWord vectorizes.
        for (int i = 0; i < w; i++) {
          a0[i] += qj * (x[i] & LANE_MASK);
        }
        for (int i = 0; i < w; i++) {
          a1[i] += qj * ((x[i] >>> 8) & LANE_MASK);
        }
        for (int i = 0; i < w; i++) {
          a2[i] += qj * ((x[i] >>> 16) & LANE_MASK);
        }
        for (int i = 0; i < w; i++) {
          a3[i] += qj * ((x[i] >>> 24) & LANE_MASK);
        }
      }
      int row0 = b * BLOCK_ROWS;
      for (int i = 0; i < w; i++) {
        emit(a0[i], row0 + i, 0, offsetTerm, qStep, approx, n);
        emit(a1[i], row0 + i, 1, offsetTerm, qStep, approx, n);
        emit(a2[i], row0 + i, 2, offsetTerm, qStep, approx, n);
        emit(a3[i], row0 + i, 3, offsetTerm, qStep, approx, n);
      }
    }
  }

  /** Splits a two-lane sum into the rows of byte {@code lane} and byte {@code lane + 4}. */
  private void emit(long acc, int rowBase, int lane, long offsetTerm, double qStep, float[] approx, int n) {
    // Each lane's sum is below 2^31 in magnitude, so the low 32 bits are exactly the low lane, signed.
    long low = (int) acc;
    long high = (acc - low) >> 32;
    int rowLow = rowBase + lane * BLOCK_LONGS;
    int rowHigh = rowBase + (lane + 4) * BLOCK_LONGS;
    if (rowLow < n) {
      approx[rowLow] = (float) (qStep * scale[rowLow] * (low - offsetTerm));
    }
    if (rowHigh < n) {
      approx[rowHigh] = (float) (qStep * scale[rowHigh] * (high - offsetTerm));
    }
  }

  private void writeRow(int s, float[] unit) {
    System.arraycopy(unit, 0, data, s * dimensions, dimensions);
    float step = (float) (maxAbs(unit) / 127);
    double errSq = 0;
    for (int j = 0; j < dimensions; j++) {
      int c = Math.max(-127, Math.min(127, Math.round(unit[j] / step)));
      double e = unit[j] - (double) step * c;
      errSq += e * e;
      setByte(s, j, c + 128);
    }
    scale[s] = step;
    errorNorm[s] = Math.nextUp((float) (Math.sqrt(errSq) * (1 + 1e-6)));
  }

  private void moveRow(int from, int to) {
    System.arraycopy(data, from * dimensions, data, to * dimensions, dimensions);
    for (int j = 0; j < dimensions; j++) {
      setByte(to, j, getByte(from, j));
    }
    scale[to] = scale[from];
    errorNorm[to] = errorNorm[from];
  }

  private long[] slice(int row, int j) {
    return packed[(row / BLOCK_ROWS) * dimensions + j];
  }

  private static int position(int row) {
    return (row % BLOCK_ROWS) % BLOCK_LONGS;
  }

  private static int shift(int row) {
    return 8 * ((row % BLOCK_ROWS) / BLOCK_LONGS);
  }

  private void setByte(int row, int j, int value) {
    long[] x = slice(row, j);
    int i = position(row);
    int sh = shift(row);
    x[i] = (x[i] & ~(0xFFL << sh)) | ((long) value << sh);
  }

  private int getByte(int row, int j) {
    return (int) (slice(row, j)[position(row)] >>> shift(row)) & 0xFF;
  }

  private static double maxAbs(float[] v) {
    double m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  static float dot(float[] d, int off, float[] q) {
    float sum = 0;
    for (int i = 0; i < q.length; i++) {
      sum += d[off + i] * q[i];
    }
    return sum;
  }

  private void ensureCapacity(int n) {
    if (n <= ids.length) {
      return;
    }
    int cap = Math.max(n, Math.max(BLOCK_ROWS, ids.length * 2));
    cap = (cap + BLOCK_ROWS - 1) / BLOCK_ROWS * BLOCK_ROWS;
    data = Arrays.copyOf(data, Math.multiplyExact(cap, dimensions));
    int oldSlices = packed.length;
    packed = Arrays.copyOf(packed, Math.multiplyExact(cap / BLOCK_ROWS, dimensions));
    for (int i = oldSlices; i < packed.length; i++) {
      packed[i] = new long[BLOCK_LONGS];
    }
    scale = Arrays.copyOf(scale, cap);
    errorNorm = Arrays.copyOf(errorNorm, cap);
    ids = Arrays.copyOf(ids, cap);
  }

  private static final int SCAN_THREADS = Runtime.getRuntime().availableProcessors();
  private static volatile ExecutorService scanPool;

  /** Daemon threads shared by every index; searches are short, so a few threads serve all of them. */
  private static ExecutorService scanPool() {
    ExecutorService p = scanPool;
    if (p == null) {
      synchronized (VectorIndex.class) {
        p = scanPool;
        if (p == null) {
          AtomicInteger n = new AtomicInteger();
          p = Executors.newFixedThreadPool(Math.max(1, Math.min(SCAN_THREADS, MAX_SCAN_THREADS) - 1), r -> {
            Thread t = new Thread(r, "kith-vector-scan-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
          scanPool = p;
        }
      }
    }
    return p;
  }

  private void checkId(byte[] id) {
    if (id == null || id.length == 0 || id.length > MAX_ID_BYTES) {
      throw new IllegalArgumentException(
          "id length not in [1, " + MAX_ID_BYTES + "]: " + (id == null ? "null" : id.length));
    }
  }

  private float[] unit(float[] v, String what) {
    if (v == null || v.length != dimensions) {
      throw new IllegalArgumentException(
          what + " has " + (v == null ? "no" : v.length) + " dimensions, expected " + dimensions);
    }
    double sq = 0;
    for (float x : v) {
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException(what + " has a non-finite component");
      }
      sq += (double) x * x;
    }
    if (sq == 0) {
      throw new IllegalArgumentException(what + " is the zero vector");
    }
    double norm = Math.sqrt(sq);
    float[] u = new float[dimensions];
    for (int i = 0; i < dimensions; i++) {
      u[i] = (float) (v[i] / norm);
    }
    return u;
  }

  /** Orders hits best first: higher score, then smaller id. */
  static int better(float scoreA, byte[] idA, float scoreB, byte[] idB) {
    int c = Float.compare(scoreB, scoreA);
    return c != 0 ? c : Arrays.compareUnsigned(idA, idB);
  }

  /** A bounded min-heap of slots: the root is the worst of the best {@code k} seen so far. */
  static final class TopK {
    private final int k;
    private final float[] scores;
    private final int[] slotOf;
    private int n;

    TopK(int k) {
      this.k = k;
      this.scores = new float[k];
      this.slotOf = new int[k];
    }

    void offer(float score, int slot, byte[][] ids) {
      if (k == 0) {
        return;
      }
      if (n < k) {
        scores[n] = score;
        slotOf[n] = slot;
        siftUp(n++, ids);
      } else if (worse(0, score, slot, ids)) {
        scores[0] = score;
        slotOf[0] = slot;
        siftDown(0, ids);
      }
    }

    /** Whether heap entry {@code i} ranks below ({@code score}, {@code slot}). */
    private boolean worse(int i, float score, int slot, byte[][] ids) {
      return better(scores[i], ids[slotOf[i]], score, ids[slot]) > 0;
    }

    private boolean less(int i, int j, byte[][] ids) {
      return better(scores[i], ids[slotOf[i]], scores[j], ids[slotOf[j]]) > 0;
    }

    private void siftUp(int i, byte[][] ids) {
      while (i > 0) {
        int p = (i - 1) / 2;
        if (!less(i, p, ids)) {
          return;
        }
        swap(i, p);
        i = p;
      }
    }

    private void siftDown(int i, byte[][] ids) {
      while (true) {
        int l = 2 * i + 1;
        int r = l + 1;
        int m = i;
        if (l < n && less(l, m, ids)) {
          m = l;
        }
        if (r < n && less(r, m, ids)) {
          m = r;
        }
        if (m == i) {
          return;
        }
        swap(i, m);
        i = m;
      }
    }

    private void swap(int i, int j) {
      float s = scores[i];
      scores[i] = scores[j];
      scores[j] = s;
      int t = slotOf[i];
      slotOf[i] = slotOf[j];
      slotOf[j] = t;
    }

    List<Hit> sorted(byte[][] ids) {
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> better(scores[a], ids[slotOf[a]], scores[b], ids[slotOf[b]]));
      List<Hit> hits = new ArrayList<>(n);
      for (int i : order) {
        hits.add(new Hit(ids[slotOf[i]], scores[i]));
      }
      return hits;
    }
  }
}
