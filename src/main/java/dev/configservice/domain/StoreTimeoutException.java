package dev.configservice.domain;

/** The store did not answer in time; the outcome of a write is unknown. */
public final class StoreTimeoutException extends ConfigException {

  private static final long serialVersionUID = 1L;

  public StoreTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
