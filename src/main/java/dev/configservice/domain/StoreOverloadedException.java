package dev.configservice.domain;

/**
 * The store already has as many calls in progress as it can take without queueing them into timeouts; this
 * call was not made and changed nothing. The caller may retry shortly.
 */
public final class StoreOverloadedException extends ConfigException {

  private static final long serialVersionUID = 1L;

  public StoreOverloadedException(String message) {
    super(message);
  }
}
