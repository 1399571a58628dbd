package dev.configservice.domain;

/**
 * A configuration key: 1–512 characters of {@code A-Z a-z 0-9 . _ - /}, hierarchical with {@code /},
 * no leading or trailing {@code /}, no empty or {@code ..} segment.
 */
public record ConfigKey(String value) implements Comparable<ConfigKey> {

  public static final int MAX_LENGTH = 512;

  public ConfigKey {
    String problem = problemWith(value);
    if (problem != null) {
      throw new InvalidKeyException(problem);
    }
  }

  public static ConfigKey of(String value) {
    return new ConfigKey(value);
  }

  /** Returns why {@code raw} is not a valid key, or {@code null} when it is. */
  public static String problemWith(String raw) {
    if (raw == null || raw.isEmpty()) {
      return "key must not be empty";
    }
    if (raw.length() > MAX_LENGTH) {
      return "key must be at most " + MAX_LENGTH + " characters, was " + raw.length();
    }
    int segmentStart = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '/') {
        String segmentProblem = segmentProblem(raw, segmentStart, i);
        if (segmentProblem != null) {
          return segmentProblem;
        }
        segmentStart = i + 1;
      } else if (!isAllowed(c)) {
        return "key contains a character outside A-Z a-z 0-9 . _ - / at position " + i;
      }
    }
    return segmentProblem(raw, segmentStart, raw.length());
  }

  /** True when {@code prefix} could start a key: allowed characters only (it may end with '/'). */
  public static boolean isValidPrefix(String prefix) {
    if (prefix.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      char c = prefix.charAt(i);
      if (c != '/' && !isAllowed(c)) {
        return false;
      }
    }
    return true;
  }

  private static String segmentProblem(String raw, int start, int end) {
    if (start == end) {
      if (start == 0) {
        return "key must not start with '/'";
      }
      return end == raw.length() ? "key must not end with '/'" : "key must not contain an empty segment ('//')";
    }
    if (end - start == 2 && raw.charAt(start) == '.' && raw.charAt(start + 1) == '.') {
      return "key must not contain a '..' segment";
    }
    return null;
  }

  private static boolean isAllowed(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '_' || c == '-';
  }

  @Override
  public int compareTo(ConfigKey other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
