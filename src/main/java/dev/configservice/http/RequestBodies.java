package dev.configservice.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.configservice.domain.ConfigKey;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Turns request bodies into validated fields, or a {@link BadRequestException} that says what is wrong.
 *
 * <p>Bodies are read with a streaming parser, and the value is copied token by token to compact JSON: numbers
 * keep the exact text the client sent ({@code 1.50}, {@code 1e400}, 40-digit decimals), where a parse into doubles
 * would round them or turn them into strings.
 */
final class RequestBodies {

  private static final JsonFactory JSON = JsonFactory.builder().build();

  private final int maxValueBytes;

  RequestBodies(int maxValueBytes) {
    this.maxValueBytes = maxValueBytes;
  }

  /** The fields of a JSON object body, all among {@code allowed}, each as compact JSON text. */
  Fields object(Buffer body, Set<String> allowed) {
    if (body == null || body.length() == 0) {
      throw new BadRequestException("the request body is empty; send a JSON object");
    }
    Map<String, String> fields = new HashMap<>();
    Map<String, String> strings = new HashMap<>(4);
    StringWriter out = new StringWriter(Math.min(body.length(), 1024));
    try (JsonParser parser = JSON.createParser(body.getBytes());
         JsonGenerator generator = JSON.createGenerator(out)) {
      generator.setRootValueSeparator(null); // one generator writes every field's value, back to back
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new BadRequestException("the request body must be a JSON object");
      }
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        if (!allowed.contains(name)) {
          throw new BadRequestException("unknown field '" + name + "'; allowed fields are " + allowed);
        }
        if (parser.nextToken() == JsonToken.VALUE_STRING) {
          strings.put(name, parser.getText());
        }
        int start = out.getBuffer().length();
        copy(parser, generator);
        generator.flush();
        if (fields.put(name, out.getBuffer().substring(start)) != null) {
          throw new BadRequestException("field '" + name + "' appears more than once");
        }
      }
      if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
        throw new BadRequestException("the request body must be one JSON object");
      }
    } catch (JsonProcessingException e) {
      throw new BadRequestException("the request body is not valid JSON: " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Fields(fields, strings);
  }

  /** Copies the value at the parser's current token as compact JSON, numbers exactly as written. */
  private static void copy(JsonParser parser, JsonGenerator generator) throws IOException {
    switch (parser.currentToken()) {
      case START_OBJECT -> {
        generator.writeStartObject();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          generator.writeFieldName(parser.currentName());
          parser.nextToken();
          copy(parser, generator);
        }
        generator.writeEndObject();
      }
      case START_ARRAY -> {
        generator.writeStartArray();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          copy(parser, generator);
        }
        generator.writeEndArray();
      }
      case VALUE_STRING -> generator.writeString(parser.getText());
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> generator.writeNumber(parser.getText());
      case VALUE_TRUE -> generator.writeBoolean(true);
      case VALUE_FALSE -> generator.writeBoolean(false);
      case VALUE_NULL -> generator.writeNull();
      default -> throw new BadRequestException("unexpected JSON token " + parser.currentToken());
    }
  }

  static ConfigKey key(String raw) {
    String problem = ConfigKey.problemWith(raw);
    if (problem != null) {
      throw new BadRequestException(400, "invalid-key", "Invalid key", problem);
    }
    return new ConfigKey(raw);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  /** The fields of a request body, as compact JSON text each. */
  final class Fields {

    private final Map<String, String> json;
    /** The text of the fields that are JSON strings. */
    private final Map<String, String> strings;

    private Fields(Map<String, String> json, Map<String, String> strings) {
      this.json = json;
      this.strings = strings;
    }

    boolean has(String name) {
      return json.containsKey(name);
    }

    /** The string field {@code name} (required). */
    String string(String name) {
      required(name);
      String text = strings.get(name);
      if (text == null) {
        throw new BadRequestException("field '" + name + "' must be a string");
      }
      return text;
    }

    ConfigKey key() {
      return RequestBodies.key(string("key"));
    }

    /** The value field as compact JSON text, within the size limit. */
    String value() {
      String value = required("value");
      if (value.equals("null")) {
        throw new BadRequestException("field 'value' must not be null; to remove a key, DELETE it");
      }
      int bytes = value.length() <= maxValueBytes / 3 ? value.length() : value.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > maxValueBytes) {
        throw new BadRequestException(413, "value-too-large", "Value too large",
            "the value is " + bytes + " bytes as compact JSON; the limit is " + maxValueBytes);
      }
      return value;
    }

    /** A version number field: a whole number >= 1. */
    long version() {
      String raw = required("version");
      try {
        long v = Long.parseLong(raw);
        if (v >= 1) {
          return v;
        }
      } catch (NumberFormatException e) {
        // answered below
      }
      throw new BadRequestException("field 'version' must be a whole number >= 1");
    }

    private String required(String name) {
      String raw = json.get(name);
      if (raw == null) {
        throw new BadRequestException("field '" + name + "' is required");
      }
      return raw;
    }
  }
}
