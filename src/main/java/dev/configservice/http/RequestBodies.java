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
 * <p>Bodies are read with a streaming parser, and each value is kept as compact JSON: numbers keep the exact text
 * the client sent ({@code 1.50}, {@code 1e400}, 40-digit decimals), where a parse into doubles would round them or
 * turn them into strings. An object or array whose strings are plain ASCII is taken from the body's bytes less the
 * whitespace between tokens, once the parser has checked it; any other is copied token by token. Both give the
 * same text ({@code RequestBodiesTest}); reading a body takes ~40% less CPU than with every value copied
 * ({@code RequestBodiesBench}).
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
    byte[] bytes = body.getBytes();
    try (JsonParser parser = JSON.createParser(bytes)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new BadRequestException("the request body must be a JSON object");
      }
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        if (!allowed.contains(name)) {
          throw new BadRequestException("unknown field '" + name + "'; allowed fields are " + allowed);
        }
        JsonToken first = parser.nextToken();
        if (first == JsonToken.VALUE_STRING) {
          strings.put(name, parser.getText());
        }
        String json;
        if (first == JsonToken.START_OBJECT || first == JsonToken.START_ARRAY) {
          // The parser checks the whole value while it skips it; then, unless its strings hold escapes or
          // non-ASCII text, its bytes less the whitespace between tokens are the compact text (see compactText);
          // otherwise it is copied token by token.
          int start = (int) parser.currentTokenLocation().getByteOffset();
          parser.skipChildren();
          int end = (int) parser.currentLocation().getByteOffset();
          if (start < 0 || end <= start || end > bytes.length) {
            throw new IllegalStateException("the JSON parser gave no byte offsets for field '" + name + "'");
          }
          json = compactText(bytes, start, end);
          if (json == null) {
            json = compact(bytes, start, end);
          }
        } else {
          json = scalar(parser);
        }
        if (fields.put(name, json) != null) {
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

  /**
   * The JSON text in {@code bytes[start, end)}, already checked by the parser, without the whitespace between its
   * tokens, if that is what {@link #copy} would write: strings of printable ASCII with no escapes. Null otherwise.
   */
  static String compactText(byte[] bytes, int start, int end) {
    boolean inString = false;
    int spaces = 0;
    for (int i = start; i < end; i++) {
      int b = bytes[i];
      if (b == '"') {
        inString = !inString; // with no backslash in the text, every quote opens or closes a string
      } else if (inString ? b == '\\' || b < ' ' || b > '~' : b <= ' ') {
        // Bytes are signed: those from 0x80 up are below ' ' here. Outside strings the parser let through only
        // the four whitespace bytes.
        if (inString) {
          return null;
        }
        spaces++;
      }
    }
    if (spaces == 0) {
      return new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
    }
    byte[] out = new byte[end - start - spaces];
    int n = 0;
    inString = false;
    for (int i = start; i < end; i++) {
      byte b = bytes[i];
      if (b == '"') {
        inString = !inString;
      } else if (!inString && b <= ' ') {
        continue;
      }
      out[n++] = b;
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  /** The value in {@code bytes[start, end)}, already checked by the parser, as compact JSON. */
  static String compact(byte[] bytes, int start, int end) throws IOException {
    try (JsonParser parser = JSON.createParser(bytes, start, end - start)) {
      parser.nextToken();
      return compact(parser);
    }
  }

  /** The scalar at the parser's current token as JSON, as {@link #copy} writes it. */
  private static String scalar(JsonParser parser) throws IOException {
    return switch (parser.currentToken()) {
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getText();
      case VALUE_TRUE -> "true";
      case VALUE_FALSE -> "false";
      case VALUE_NULL -> "null";
      case VALUE_STRING -> {
        String text = parser.getText();
        yield needsEscape(text) ? compact(parser) : '"' + text + '"';
      }
      default -> compact(parser);
    };
  }

  /** Whether a JSON string writer would escape any character of {@code text}. */
  private static boolean needsEscape(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < ' ' || c == '"' || c == '\\') {
        return true;
      }
    }
    return false;
  }

  /** The value at the parser's current token as compact JSON, numbers exactly as written. */
  private static String compact(JsonParser parser) throws IOException {
    StringWriter out = new StringWriter(64);
    try (JsonGenerator generator = JSON.createGenerator(out)) {
      copy(parser, generator);
    }
    return out.toString();
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
