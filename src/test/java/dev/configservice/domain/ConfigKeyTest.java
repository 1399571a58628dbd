package dev.configservice.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigKeyTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "app/prod/db.url", "A-Z_0.9", ".hidden", "a/./b", "x...y", "..a", "a../b"})
  void acceptsKeysOfTheAllowedShape(String key) {
    assertThat(ConfigKey.problemWith(key)).isNull();
    assertThat(ConfigKey.of(key).value()).isEqualTo(key);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/a", "a/", "a//b", "..", "a/../b", "a/..", "sp ace", "t\tab", "\u00e9", "a+b", "a%20"})
  void rejectsKeysOfAnyOtherShape(String key) {
    assertThat(ConfigKey.problemWith(key)).isNotNull();
    assertThatThrownBy(() -> ConfigKey.of(key)).isInstanceOf(InvalidKeyException.class);
  }

  @Test
  void lengthIsAtMost512() {
    assertThat(ConfigKey.problemWith("k".repeat(512))).isNull();
    assertThat(ConfigKey.problemWith("k".repeat(513))).contains("512");
    assertThat(ConfigKey.problemWith(null)).isNotNull();
  }

  @Test
  void randomKeysAreAcceptedExactlyWhenEverySegmentIsValid() {
    Random random = new Random(42);
    String alphabet = "ab./_-Z9 ";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder();
      int length = 1 + random.nextInt(12);
      for (int j = 0; j < length; j++) {
        sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String key = sb.toString();
      boolean expected = !key.contains(" ") && !key.startsWith("/") && !key.endsWith("/") && !key.contains("//")
          && java.util.Arrays.stream(key.split("/")).noneMatch(".."::equals);
      assertThat(ConfigKey.problemWith(key) == null).as("'%s'", key).isEqualTo(expected);
    }
  }

  @Test
  void prefixesAllowTrailingSlashes() {
    assertThat(ConfigKey.isValidPrefix("")).isTrue();
    assertThat(ConfigKey.isValidPrefix("app/")).isTrue();
    assertThat(ConfigKey.isValidPrefix("a b")).isFalse();
    assertThat(ConfigKey.isValidPrefix("x".repeat(513))).isFalse();
  }

  @Test
  void keysOrderAndPrint() {
    assertThat(ConfigKey.of("a").compareTo(ConfigKey.of("b"))).isNegative();
    assertThat(ConfigKey.of("a/b")).hasToString("a/b");
  }

  @Test
  void preconditionsAndEntries() {
    assertThat(Precondition.NONE.allows(0)).isTrue();
    assertThat(Precondition.EXISTS.allows(0)).isFalse();
    assertThat(Precondition.ABSENT.allows(3)).isFalse();
    assertThat(Precondition.versionIs(3).allows(3)).isTrue();
    ConfigKey k = ConfigKey.of("k");
    assertThat(new PreconditionFailedException(k, Precondition.EXISTS, 0)).hasMessageContaining("does not exist");
    assertThat(new PreconditionFailedException(k, Precondition.ABSENT, 2)).hasMessageContaining("absent");
    assertThat(new PreconditionFailedException(k, Precondition.NONE, 2)).hasMessageContaining("nothing");
    assertThatThrownBy(() -> ConfigEntry.value(k, 0, "1", java.time.Instant.EPOCH)).isInstanceOf(IllegalArgumentException.class);
    assertThat(new Page<>(java.util.List.of(1), null).hasMore()).isFalse();
    assertThat(new Page<>(java.util.List.of(1), "c").hasMore()).isTrue();
    assertThat(new StoreUnavailableException("x", java.time.Duration.ofSeconds(2)).retryAfter()).hasSeconds(2);
    assertThat(StoreUnavailableException.throttled("x", java.time.Duration.ZERO, null).throttled()).isTrue();
    assertThatThrownBy(() -> new ConfigChanged(null)).isInstanceOf(NullPointerException.class);
  }
}
