package dev.configservice.domain;

/** A pagination cursor that this store did not make, or that belongs to another listing. */
public final class InvalidCursorException extends ConfigException {

  private static final long serialVersionUID = 1L;

  public InvalidCursorException(String message) {
    super(message);
  }
}
