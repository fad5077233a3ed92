package org.kith.node.model;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Exact cosine top-k over vectors held in memory. Vectors are L2-normalised on {@link #put}, so a dot product
 * is their cosine; the query is normalised too. Safe for concurrent use: searches share a read lock, writes
 * take the write lock.
 */
public final class VectorIndex {
  /** Longest id accepted; ids are random or hashed, never user text. */
  public static final int MAX_ID_BYTES = 64;
  /** Most results one search returns. */
  public static final int MAX_K = 10_000;

  private final int dimensions;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<ByteBuffer, Integer> slots = new HashMap<>();
  private float[] data;
  private byte[][] ids;
  private int size;

  public VectorIndex(int dimensions) {
    if (dimensions <= 0) {
      throw new IllegalArgumentException("dimensions <= 0: " + dimensions);
    }
    this.dimensions = dimensions;
    this.data = new float[16 * dimensions];
    this.ids = new byte[16][];
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
      System.arraycopy(unit, 0, data, s * dimensions, dimensions);
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
        System.arraycopy(data, last * dimensions, data, s * dimensions, dimensions);
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
      TopK top = new TopK(Math.min(k, size));
      for (int s = 0; s < size; s++) {
        top.offer(dot(data, s * dimensions, q), s, ids);
      }
      return top.sorted(ids);
    } finally {
      lock.readLock().unlock();
    }
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
    int cap = Math.max(n, ids.length * 2);
    data = Arrays.copyOf(data, Math.multiplyExact(cap, dimensions));
    ids = Arrays.copyOf(ids, cap);
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

    /** Whether {@code score} could still enter; lets a scan skip work cheaply. */
    float threshold() {
      return n < k ? Float.NEGATIVE_INFINITY : scores[0];
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

    void merge(TopK other, byte[][] ids) {
      for (int i = 0; i < other.n; i++) {
        offer(other.scores[i], other.slotOf[i], ids);
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
      List<Hit> hits = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        hits.add(new Hit(ids[slotOf[i]], scores[i]));
      }
      hits.sort((a, b) -> better(a.score(), a.id(), b.score(), b.id()));
      return hits;
    }
  }
}
