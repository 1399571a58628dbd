package dev.configservice.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fast path must write exactly what Instant.toString writes, inside its range and outside it. */
class IsoInstantTest {

  private final SplittableRandom random = new SplittableRandom(20261127);

  @Test
  void millisecondInstantsReadAsInstantToString() {
    for (int i = 0; i < 200_000; i++) {
      assertSame(Instant.ofEpochMilli(random.nextLong(-100_000_000_000_000L, 400_000_000_000_000L)));
    }
  }

  @Test
  void theEdgesOfASecondOfTheRangeAndOfTheCache() {
    for (int i = 0; i < 20_000; i++) {
      long second = random.nextLong(0, 4_000_000_000L);
      // Whole second, its last millisecond, the next second: alternating seconds replace the cached one.
      for (long m : new long[] {second * 1000, second * 1000 + 1, second * 1000 + 10, second * 1000 + 100,
          second * 1000 + 999, second * 1000 + 1000}) {
        assertSame(Instant.ofEpochMilli(m));
      }
    }
    for (long m : new long[] {0, -1, 253_402_300_799_999L, 253_402_300_800_000L, 951_782_400_000L /* 2000-02-29 */}) {
      assertSame(Instant.ofEpochMilli(m));
    }
  }

  @Test
  void finerThanAMillisecondFallsBack() {
    for (int i = 0; i < 20_000; i++) {
      assertSame(Instant.ofEpochSecond(random.nextLong(0, 4_000_000_000L), random.nextLong(0, 1_000_000_000L)));
    }
  }

  private static void assertSame(Instant instant) {
    assertThat(IsoInstant.append(new StringBuilder("x"), instant).toString()).isEqualTo("x" + instant);
  }
}
