package org.kith.node.events;

/**
 * The one thing a feature needs to tell the page that something happened: publishing never blocks and never
 * fails the publisher (a listener that cannot keep up is dropped, not waited for).
 */
@FunctionalInterface
public interface Events {
  void publish(NodeEvent event);

  /** For a feature built without a page (a one-off command): events go nowhere. */
  Events NONE = e -> {};
}
