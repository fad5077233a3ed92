package org.kith.node.net;

/**
 * Requests per second with a burst allowance. Shared by every connection of one peer key, so synchronized;
 * time comes in from the caller.
 */
final class TokenBucket {
  private final double perNano;
  private final double capacity;
  private double tokens;
  private long lastNanos;

  TokenBucket(int perSecond, int burst, long nowNanos) {
    this.perNano = perSecond / 1e9;
    this.capacity = burst;
    this.tokens = burst;
    this.lastNanos = nowNanos;
  }

  synchronized boolean tryTake(long nowNanos) {
    refill(nowNanos);
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** A full bucket is the same as a new one, so it can be dropped without giving a peer anything. */
  synchronized boolean isFull(long nowNanos) {
    refill(nowNanos);
    return tokens >= capacity;
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * perNano);
      lastNanos = nowNanos;
    }
  }
}
