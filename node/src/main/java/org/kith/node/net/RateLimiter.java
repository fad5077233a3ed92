package org.kith.node.net;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The node's one rate limiter: a token bucket of {@code burst} tokens refilled at {@code permits} per
 * {@code per}. Time comes in from the caller (the node's clock, in milliseconds), so tests drive it.
 * Thread-safe.
 */
public final class RateLimiter {
  private final double perMilli;
  private final double capacity;
  private double tokens;
  private long lastMillis;

  public RateLimiter(int permits, Duration per, int burst, long nowMillis) {
    if (permits < 1 || burst < 1 || per.isNegative() || per.isZero()) {
      throw new IllegalArgumentException("rate not positive: " + permits + " per " + per + ", burst " + burst);
    }
    this.perMilli = permits / (double) per.toMillis();
    this.capacity = burst;
    this.tokens = burst;
    this.lastMillis = nowMillis;
  }

  /** Takes one token if there is one. */
  public synchronized boolean tryTake(long nowMillis) {
    refill(nowMillis);
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** A full bucket is the same as a new one, so it can be dropped without giving anyone anything. */
  public synchronized boolean isFull(long nowMillis) {
    refill(nowMillis);
    return tokens >= capacity;
  }

  private void refill(long nowMillis) {
    long elapsed = nowMillis - lastMillis;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * perMilli);
      lastMillis = nowMillis;
    }
  }

  /**
   * One bucket per key (a peer key, a source address, an invite), at most {@code maxKeys} of them: full
   * buckets are dropped first, and when none is full a new key is refused rather than letting a flood of keys
   * grow the map.
   */
  public static final class Keyed<K> {
    private final int permits;
    private final Duration per;
    private final int burst;
    private final int maxKeys;
    private final Map<K, RateLimiter> buckets = new LinkedHashMap<>();

    public Keyed(int permits, Duration per, int burst, int maxKeys) {
      this.permits = permits;
      this.per = per;
      this.burst = burst;
      this.maxKeys = maxKeys;
    }

    public synchronized boolean tryTake(K key, long nowMillis) {
      RateLimiter b = buckets.get(key);
      if (b == null) {
        if (buckets.size() >= maxKeys) {
          for (Iterator<RateLimiter> it = buckets.values().iterator(); it.hasNext(); ) {
            if (it.next().isFull(nowMillis)) {
              it.remove();
            }
          }
          if (buckets.size() >= maxKeys) {
            return false;
          }
        }
        b = new RateLimiter(permits, per, burst, nowMillis);
        buckets.put(key, b);
      }
      return b.tryTake(nowMillis);
    }
  }
}
