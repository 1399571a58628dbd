package dev.configservice.domain;

/** A key that breaks the key rules. */
public final class InvalidKeyException extends ConfigException {

  private static final long serialVersionUID = 1L;

  public InvalidKeyException(String message) {
    super(message);
  }
}
