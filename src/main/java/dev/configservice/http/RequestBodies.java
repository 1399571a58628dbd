package dev.configservice.http;

import dev.configservice.domain.ConfigKey;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** Turns request bodies into validated values, or a {@link BadRequestException} that says what is wrong. */
final class RequestBodies {

  private final int maxValueBytes;

  RequestBodies(int maxValueBytes) {
    this.maxValueBytes = maxValueBytes;
  }

  /** A JSON object body whose fields are all among {@code allowed}. */
  JsonObject object(Buffer body, Set<String> allowed) {
    if (body == null || body.length() == 0) {
      throw new BadRequestException("the request body is empty; send a JSON object");
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new BadRequestException("the request body is not valid JSON: " + firstLine(e.getMessage()));
    }
    if (!(parsed instanceof JsonObject json)) {
      throw new BadRequestException("the request body must be a JSON object");
    }
    for (String field : json.fieldNames()) {
      if (!allowed.contains(field)) {
        throw new BadRequestException("unknown field '" + field + "'; allowed fields are " + allowed);
      }
    }
    return json;
  }

  ConfigKey key(JsonObject body) {
    Object key = body.getValue("key");
    if (key == null) {
      throw new BadRequestException("field 'key' is required");
    }
    if (!(key instanceof String s)) {
      throw new BadRequestException("field 'key' must be a string");
    }
    return key(s);
  }

  static ConfigKey key(String raw) {
    String problem = ConfigKey.problemWith(raw);
    if (problem != null) {
      throw new BadRequestException(400, "invalid-key", "Invalid key", problem);
    }
    return new ConfigKey(raw);
  }

  /** The value field as compact JSON text, within the size limit. */
  String value(JsonObject body) {
    if (!body.containsKey("value")) {
      throw new BadRequestException("field 'value' is required");
    }
    Object value = body.getValue("value");
    if (value == null) {
      throw new BadRequestException("field 'value' must not be null; to remove a key, DELETE it");
    }
    String json = Json.encode(value);
    int bytes = json.length() <= maxValueBytes / 3 ? json.length() : json.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxValueBytes) {
      throw new BadRequestException(413, "value-too-large", "Value too large",
          "the value is " + bytes + " bytes as compact JSON; the limit is " + maxValueBytes);
    }
    return json;
  }

  long version(JsonObject body) {
    Object v = body.getValue("version");
    if (v == null) {
      throw new BadRequestException("field 'version' is required");
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 1) {
      throw new BadRequestException("field 'version' must be a whole number >= 1");
    }
    return ((Number) v).longValue();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
