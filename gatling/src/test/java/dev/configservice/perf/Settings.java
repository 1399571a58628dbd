package dev.configservice.perf;

import java.time.Duration;
import java.util.Locale;

/**
 * Simulation knobs, all from system properties (-DbaseUrl=... -Drate=...), so one compiled project serves a
 * 60-second smoke on a laptop and an hour-long soak. Defaults are the fast smoke.
 */
final class Settings {
  private Settings() {}

  static String baseUrl() {
    String url = System.getProperty("baseUrl", "http://127.0.0.1:8080");
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  static String string(String name, String def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : v.trim();
  }

  static int integer(String name, int def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : Integer.parseInt(v.trim());
  }

  static double decimal(String name, double def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : Double.parseDouble(v.trim());
  }

  /** Accepts 90, 90s, 1500ms, 5m, 1h (a bare number is seconds). */
  static Duration duration(String name, Duration def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : parseDuration(v);
  }

  static Duration parseDuration(String raw) {
    String v = raw.trim().toLowerCase(Locale.ROOT);
    if (v.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
    }
    char unit = v.charAt(v.length() - 1);
    if (Character.isDigit(unit)) {
      return Duration.ofSeconds(Long.parseLong(v));
    }
    long n = Long.parseLong(v.substring(0, v.length() - 1));
    return switch (unit) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> throw new IllegalArgumentException("unknown duration unit in '" + raw + "' (use ms, s, m or h)");
    };
  }

  /** Prints the effective settings so a report can always be traced back to its parameters. */
  static void describe(String simulation, Object... pairs) {
    StringBuilder sb = new StringBuilder(simulation).append(" against ").append(baseUrl());
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      sb.append(' ').append(pairs[i]).append('=').append(pairs[i + 1]);
    }
    System.out.println(sb);
  }
}
