package dev.configservice.store.embedded;

import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * How entries are laid out in the MVStore maps. Values are bytes {@code [flag][version:8][millis:8][utf-8 json]}
 * (flag 1 = tombstone), stored as raw byte arrays: MVStore copies those as they are, where strings would be
 * re-encoded character by character on every commit. History keys are {@code key \0 zero-padded-version}, so
 * one key's versions are contiguous and ordered ('\0' sorts below every key character, so "a\0…" never
 * interleaves with "a/b").
 */
final class EntryCodec {

  static final char HISTORY_SEPARATOR = '\0';
  private static final int VERSION_DIGITS = 19;
  private static final int HEADER = 17;

  private EntryCodec() {
  }

  static byte[] encode(ConfigEntry entry) {
    byte[] json = entry.deleted() ? new byte[0] : entry.valueJson().getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer = ByteBuffer.allocate(HEADER + json.length);
    buffer.put((byte) (entry.deleted() ? 1 : 0)).putLong(entry.version()).putLong(entry.updatedAt().toEpochMilli())
        .put(json);
    return buffer.array();
  }

  /** The head of an encoded entry: flag, version and time without the value. */
  static byte[] head(byte[] encoded) {
    return java.util.Arrays.copyOf(encoded, HEADER);
  }

  static ConfigEntry decode(ConfigKey key, byte[] stored) {
    ByteBuffer buffer = ByteBuffer.wrap(stored);
    boolean tombstone = buffer.get() == 1;
    long version = buffer.getLong();
    Instant at = Instant.ofEpochMilli(buffer.getLong());
    if (tombstone) {
      return ConfigEntry.tombstone(key, version, at);
    }
    return ConfigEntry.value(key, version, new String(stored, HEADER, stored.length - HEADER, StandardCharsets.UTF_8), at);
  }

  static long versionOf(byte[] stored) {
    return ByteBuffer.wrap(stored, 1, 8).getLong();
  }

  static boolean isTombstone(byte[] stored) {
    return stored[0] == 1;
  }

  static String historyKey(String key, long version) {
    String digits = Long.toString(version);
    StringBuilder sb = new StringBuilder(key.length() + 1 + VERSION_DIGITS).append(key).append(HISTORY_SEPARATOR);
    for (int i = digits.length(); i < VERSION_DIGITS; i++) {
      sb.append('0');
    }
    return sb.append(digits).toString();
  }

  /** True when {@code historyKey} is one of {@code key}'s history keys. */
  static boolean isHistoryKeyOf(String historyKey, String key) {
    return historyKey.length() == key.length() + 1 + VERSION_DIGITS && historyKey.startsWith(key)
        && historyKey.charAt(key.length()) == HISTORY_SEPARATOR;
  }

  /** The key a history key belongs to. */
  static String keyOfHistoryKey(String historyKey) {
    return historyKey.substring(0, historyKey.indexOf(HISTORY_SEPARATOR));
  }

  /**
   * A string that sorts after every history key of {@code key} and before those of any later key: the key
   * followed by the character 1, which lies between the separator (0) and every character a key may hold.
   */
  static String pastVersions(String key) {
    return key + '\u0001';
  }

  static long versionOfHistoryKey(String historyKey) {
    return Long.parseLong(historyKey, historyKey.indexOf(HISTORY_SEPARATOR) + 1, historyKey.length(), 10);
  }
}
