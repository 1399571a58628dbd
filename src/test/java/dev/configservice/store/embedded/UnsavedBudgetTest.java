package dev.configservice.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The unsaved-page budget follows the heap's headroom, within its bounds. */
class UnsavedBudgetTest {

  private static final long MIB = 1024 * 1024;

  @Test
  void aSixthOfTheHeadroomBelowTheHeapLimitWithinFourAnd32MiB() {
    long max = 224 * MIB;
    assertThat(UnsavedBudget.of(1024 * MIB, 85, 50 * MIB)).as("a roomy heap").isEqualTo(UnsavedBudget.MAX_BYTES);
    long headroom = max / 100 * 85 - 130 * MIB;
    assertThat(UnsavedBudget.of(max, 85, 130 * MIB)).as("a heap holding a full cache").isEqualTo(headroom / 6);
    assertThat(UnsavedBudget.of(max, 85, 180 * MIB)).as("a nearly full heap").isEqualTo(UnsavedBudget.MIN_BYTES);
    assertThat(UnsavedBudget.of(max, 85, 300 * MIB)).as("beyond the limit").isEqualTo(UnsavedBudget.MIN_BYTES);
    assertThat(UnsavedBudget.of(max, 95, 130 * MIB)).as("a higher MAX_HEAP_FOR_WRITES leaves more")
        .isEqualTo((max / 100 * 95 - 130 * MIB) / 6);
  }

  @Test
  void theJvmsOwnReadingGivesABudgetWithinTheBounds() {
    System.gc();
    assertThat(new UnsavedBudget(0).getAsLong()).isBetween(UnsavedBudget.MIN_BYTES, UnsavedBudget.MAX_BYTES);
  }
}
