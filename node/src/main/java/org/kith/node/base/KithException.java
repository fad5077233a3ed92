package org.kith.node.base;

/**
 * A failure to report to the person at the terminal: the message says what happened and what to do, and the
 * exit code follows DESIGN.md (1 bad input or refused, 3 vault locked or wrong passphrase, 4 unreachable).
 */
public class KithException extends Exception {
  public static final int BAD_INPUT = 1;
  public static final int USAGE = 2;
  public static final int LOCKED = 3;
  public static final int UNREACHABLE = 4;

  private final int exitCode;

  public KithException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public KithException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public static KithException badInput(String message) {
    return new KithException(BAD_INPUT, message);
  }

  public int exitCode() {
    return exitCode;
  }
}
