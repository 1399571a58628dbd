package dev.configservice.config;

import java.util.List;

/** One or more settings are unknown or bad; the message lists each, so start-up can stop with it. */
public final class InvalidSettingsException extends RuntimeException {

  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  public InvalidSettingsException(List<String> problems) {
    super("invalid settings:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
