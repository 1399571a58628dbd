package dev.configservice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The value of a body is stored as compact JSON: taken as sent when it is compact already, copied token by token
 * otherwise. Both must give the same text for every value.
 */
class RequestBodiesTest {

  private static final Set<String> FIELDS = Set.of("key", "value");
  private final RequestBodies bodies = new RequestBodies(1 << 20);

  private String value(String valueJson) {
    return bodies.object(Buffer.buffer("{\"key\":\"k\",\"value\":" + valueJson + "}"), FIELDS).value();
  }

  /** The value as the token-by-token copy writes it (the reference). */
  private static String copied(String valueJson) throws IOException {
    byte[] bytes = valueJson.getBytes(StandardCharsets.UTF_8);
    return RequestBodies.compact(bytes, 0, bytes.length);
  }

  @Test
  void randomValuesCompactOrSpacedGiveTheCopysText() throws IOException {
    Random random = new Random(20261129);
    int plain = 0;
    for (int i = 0; i < 5_000; i++) {
      long seed = random.nextLong();
      String compact = render(new Random(seed), 0, false);
      String spaced = render(new Random(seed), 0, true);
      String expected = copied(compact);
      assertThat(value(compact)).as("seed %d: %s", seed, compact).isEqualTo(expected);
      assertThat(value(spaced)).as("seed %d: %s", seed, spaced).isEqualTo(expected);
      if (expected.equals(compact)) {
        plain++;
      }
    }
    assertThat(plain).as("values with plain ASCII strings, which skip the copy").isGreaterThan(500);
  }

  @Test
  void whitespaceAndEscapesAreNormalized() {
    assertThat(value("{ \"a\" : [1, 2],\n\t\"b\": \"x y\" }")).isEqualTo("{\"a\":[1,2],\"b\":\"x y\"}");
    assertThat(value("[\"\\u0041\", \"a\\/b\", \"tab\\there\"]")).isEqualTo("[\"A\",\"a/b\",\"tab\\there\"]");
    assertThat(value("{\"é\":\"ünïcødé 🙂\"}")).isEqualTo("{\"é\":\"ünïcødé 🙂\"}");
    assertThat(value("{\"n\":[1.50,-0,1e400,12345678901234567890123]}"))
        .isEqualTo("{\"n\":[1.50,-0,1e400,12345678901234567890123]}");
    assertThat(value("\"plain\"")).isEqualTo("\"plain\"");
    assertThat(value("\"say \\\"hi\\\"\"")).isEqualTo("\"say \\\"hi\\\"\"");
    assertThat(value(" 42 ")).isEqualTo("42");
    assertThat(value("true")).isEqualTo("true");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"a\":01}", "{\"a\":[1,]}", "{\"a\":1.}", "{\"a\" 1}", "[1 2]", "{\"a\":tru}",
      "{\"a\":\"\u0001\"}", "{\"a\":\"\\x\"}", "[{\"a\":1]", "{\"a\":[1]"})
  void invalidJsonInsideTheValueIsRefused(String valueJson) {
    assertThatThrownBy(() -> value(valueJson)).isInstanceOf(BadRequestException.class)
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void invalidUtf8InsideANestedStringIsRefused() {
    byte[] head = "{\"key\":\"k\",\"value\":{\"a\":\"".getBytes(StandardCharsets.UTF_8);
    byte[] tail = "\"}}".getBytes(StandardCharsets.UTF_8);
    Buffer body = Buffer.buffer().appendBytes(head).appendBytes(new byte[] {(byte) 0xC3, (byte) 0x28}).appendBytes(tail);
    assertThatThrownBy(() -> bodies.object(body, FIELDS)).isInstanceOf(BadRequestException.class);
  }

  @Test
  void compactTextDropsWhitespaceAndTakesOnlyPlainAsciiStrings() {
    assertThat(compactText("{\"a\":\"x y\",\"b\":[1,true,null]}")).isEqualTo("{\"a\":\"x y\",\"b\":[1,true,null]}");
    assertThat(compactText("{ \"a\" :\t1 ,\r\n\"b c\": [ 2 ] }")).isEqualTo("{\"a\":1,\"b c\":[2]}");
    assertThat(compactText("[\"a\\\"b\"]")).isNull();
    assertThat(compactText("[\"é\"]")).isNull();
    assertThat(compactText("[\"\u007f\"]")).isNull();
  }

  private static String compactText(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return RequestBodies.compactText(bytes, 0, bytes.length);
  }

  /** A random object or array, its scalars and strings of every kind; spaced adds whitespace between tokens. */
  private static String render(Random r, int depth, boolean spaced) {
    StringBuilder out = new StringBuilder();
    if (depth == 0 || r.nextInt(3) > 0 && depth < 4) {
      boolean object = r.nextBoolean();
      out.append(object ? '{' : '[');
      int n = r.nextInt(4);
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          out.append(space(r, spaced)).append(',');
        }
        out.append(space(r, spaced));
        if (object) {
          out.append(string(r)).append(space(r, spaced)).append(':').append(space(r, spaced));
        }
        out.append(render(r, depth + 1, spaced));
      }
      return out.append(space(r, spaced)).append(object ? '}' : ']').toString();
    }
    return switch (r.nextInt(7)) {
      case 0 -> "true";
      case 1 -> "false";
      case 2 -> "null";
      case 3 -> Integer.toString(r.nextInt(2_000_001) - 1_000_000);
      case 4 -> new String[] {"1.50", "-0", "1e400", "2E-3", "0.1000000000000000055511151231257827",
          "12345678901234567890123"}[r.nextInt(6)];
      default -> string(r);
    };
  }

  private static String space(Random r, boolean spaced) {
    String space = new String[] {"", " ", "\n", "\t ", "\r\n  "}[r.nextInt(5)]; // drawn either way: same values
    return spaced ? space : "";
  }

  private static String string(Random r) {
    String[] parts = {"a", "key", "x y", " ", "é", "🙂", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u0041", "\\u00e9",
        "\\ud83d\\ude42", "~", "\u007f", "0", "{", "]", ":", ","};
    StringBuilder s = new StringBuilder("\"");
    int n = r.nextInt(5);
    for (int i = 0; i < n; i++) {
      s.append(parts[r.nextInt(parts.length)]);
    }
    return s.append('"').toString();
  }
}
