package dev.configservice.store.dynamodb;

import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.InvalidCursorException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque pagination cursors. A cursor names the listing it belongs to (the prefix, or the key of a history) and the
 * last item returned, so a cursor made for another listing is refused instead of silently skipping items. Keys and
 * prefixes never contain {@code '|'}, which makes the separator safe.
 */
final class Cursors {

  private static final String LIST = "v1|l|";
  private static final String HISTORY = "v1|h|";

  private Cursors() {
  }

  static String listCursor(String prefix, String lastKey) {
    return encode(LIST + prefix + "|" + lastKey);
  }

  /** The last key returned by the previous page of the listing of {@code prefix}. */
  static String decodeList(String cursor, String prefix) {
    String text = decode(cursor);
    String expected = LIST + prefix + "|";
    if (!text.startsWith(expected)) {
      throw new InvalidCursorException("cursor does not belong to a listing of prefix '" + prefix + "'");
    }
    String lastKey = text.substring(expected.length());
    if (!lastKey.startsWith(prefix) || ConfigKey.problemWith(lastKey) != null) {
      throw new InvalidCursorException("malformed cursor");
    }
    return lastKey;
  }

  static String historyCursor(ConfigKey key, long lastVersion) {
    return encode(HISTORY + key.value() + "|" + lastVersion);
  }

  /** The last version returned by the previous page of the history of {@code key}. */
  static long decodeHistory(String cursor, ConfigKey key) {
    String text = decode(cursor);
    String expected = HISTORY + key.value() + "|";
    if (!text.startsWith(expected)) {
      throw new InvalidCursorException("cursor does not belong to the history of '" + key.value() + "'");
    }
    try {
      long version = Long.parseLong(text.substring(expected.length()));
      if (version < 1) {
        throw new InvalidCursorException("malformed cursor");
      }
      return version;
    } catch (NumberFormatException e) {
      throw new InvalidCursorException("malformed cursor");
    }
  }

  private static String encode(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String cursor) {
    if (cursor.isEmpty() || cursor.length() > 2048) {
      throw new InvalidCursorException("malformed cursor");
    }
    try {
      return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new InvalidCursorException("malformed cursor");
    }
  }
}
