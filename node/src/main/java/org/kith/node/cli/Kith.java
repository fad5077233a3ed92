package org.kith.node.cli;

/** Placeholder entry point; replaced by the picocli command tree. */
public final class Kith {
  private Kith() {}

  public static void main(String[] args) {
    System.out.println("kith");
  }
}
