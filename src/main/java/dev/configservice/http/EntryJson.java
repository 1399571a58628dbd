package dev.configservice.http;

import dev.configservice.domain.ConfigEntry;
import java.nio.charset.StandardCharsets;

/**
 * The JSON shapes of entries. The value is already compact JSON text, so bodies are assembled as text
 * rather than through a JSON tree; keys contain only characters that need no escaping in JSON.
 */
public final class EntryJson {

  private EntryJson() {
  }

  /** {@code {"key":…,"value":…,"version":…,"updatedAt":…}} of a live entry. */
  public static String entry(ConfigEntry e) {
    // 96: the fixed text, a 19-digit version and a 24-character time, so the builder never grows.
    StringBuilder sb = new StringBuilder(96 + e.key().value().length() + e.valueJson().length())
        .append("{\"key\":\"").append(e.key().value())
        .append("\",\"value\":").append(e.valueJson())
        .append(",\"version\":").append(e.version())
        .append(",\"updatedAt\":\"");
    return IsoInstant.append(sb, e.updatedAt()).append("\"}").toString();
  }

  public static byte[] entryBytes(ConfigEntry e) {
    return entry(e).getBytes(StandardCharsets.UTF_8);
  }

  /** {@code {"version":…,"value":…|null,"updatedAt":…,"deleted":…}}: one item of a key's history. */
  public static String historyItem(ConfigEntry e) {
    StringBuilder sb = new StringBuilder(96 + (e.deleted() ? 4 : e.valueJson().length()))
        .append("{\"version\":").append(e.version())
        .append(",\"value\":").append(e.deleted() ? "null" : e.valueJson())
        .append(",\"updatedAt\":\"");
    return IsoInstant.append(sb, e.updatedAt())
        .append("\",\"deleted\":").append(e.deleted()).append('}')
        .toString();
  }

  public static String etag(long version) {
    return "\"" + version + "\"";
  }
}
