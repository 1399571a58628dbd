package dev.configservice.store.embedded;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import java.time.Instant;

/**
 * How entries are laid out in the MVStore maps. Values are strings {@code version \t millis \t V|D \t json};
 * history keys are {@code key \0 zero-padded-version}, so one key's versions are contiguous and ordered
 * ('\0' sorts below every key character, so "a\0…" never interleaves with "a/b").
 */
final class EntryCodec {

  static final char HISTORY_SEPARATOR = '\0';
  private static final int VERSION_DIGITS = 19;

  private EntryCodec() {
  }

  static String encode(ConfigEntry entry) {
    StringBuilder sb = new StringBuilder(32 + (entry.deleted() ? 0 : entry.valueJson().length()));
    sb.append(entry.version()).append('\t').append(entry.updatedAt().toEpochMilli()).append('\t');
    if (entry.deleted()) {
      sb.append('D').append('\t');
    } else {
      sb.append('V').append('\t').append(entry.valueJson());
    }
    return sb.toString();
  }

  static ConfigEntry decode(ConfigKey key, String stored) {
    int t1 = stored.indexOf('\t');
    int t2 = stored.indexOf('\t', t1 + 1);
    long version = Long.parseLong(stored, 0, t1, 10);
    Instant at = Instant.ofEpochMilli(Long.parseLong(stored, t1 + 1, t2, 10));
    if (stored.charAt(t2 + 1) == 'D') {
      return ConfigEntry.tombstone(key, version, at);
    }
    return ConfigEntry.value(key, version, stored.substring(t2 + 3), at);
  }

  static long versionOf(String stored) {
    return Long.parseLong(stored, 0, stored.indexOf('\t'), 10);
  }

  static boolean isTombstone(String stored) {
    int t2 = stored.indexOf('\t', stored.indexOf('\t') + 1);
    return stored.charAt(t2 + 1) == 'D';
  }

  static String historyKey(String key, long version) {
    String digits = Long.toString(version);
    StringBuilder sb = new StringBuilder(key.length() + 1 + VERSION_DIGITS).append(key).append(HISTORY_SEPARATOR);
    for (int i = digits.length(); i < VERSION_DIGITS; i++) {
      sb.append('0');
    }
    return sb.append(digits).toString();
  }

  static long versionOfHistoryKey(String historyKey) {
    return Long.parseLong(historyKey, historyKey.indexOf(HISTORY_SEPARATOR) + 1, historyKey.length(), 10);
  }
}
