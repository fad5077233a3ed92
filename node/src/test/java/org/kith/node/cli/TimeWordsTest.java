package org.kith.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TimeWordsTest {
  static final long NOW = 1_796_000_000_000L;

  static String ago(long secondsBefore) {
    return TimeWords.ago(NOW - secondsBefore * 1000, NOW);
  }

  @Test
  void ago_inWords_atEachBoundary() {
    assertEquals("never", TimeWords.ago(null, NOW));
    assertEquals("just now", ago(0));
    assertEquals("just now", ago(59));
    assertEquals("just now", ago(-300), "a clock ahead of ours");
    assertEquals("1 minute ago", ago(60));
    assertEquals("2 minutes ago", ago(150));
    assertEquals("89 minutes ago", ago(90 * 60 - 1));
    assertEquals("1 hour ago", ago(90 * 60));
    assertEquals("35 hours ago", ago(36 * 3600 - 1));
    assertEquals("1 day ago", ago(36 * 3600));
    assertEquals("3 days ago", ago(3 * 86400 + 5));
    assertEquals("2 minutes ago", TimeWords.ago(java.time.Instant.ofEpochMilli(NOW - 120_000).toString(), NOW));
  }
}
