package org.kith.node.model;

/** The model could not be loaded or could not embed a text. Carries no user text in its message. */
public final class EmbeddingException extends Exception {
  private static final long serialVersionUID = 1L;

  public EmbeddingException(String message) {
    super(message);
  }

  public EmbeddingException(String message, Throwable cause) {
    super(message, cause);
  }
}
