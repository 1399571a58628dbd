package dev.configservice;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.VMOption;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeapLimitTest {

  private static final long SIX_GIB = 6L << 30;

  @Test
  void warnsWhenEveryHeapLimitIsTheJvmsOwnChoice() {
    assertThat(HeapLimit.warning(option -> option.equals("MaxHeapSize") ? VMOption.Origin.ERGONOMIC
        : VMOption.Origin.DEFAULT, SIX_GIB))
        .hasValueSatisfying(w -> assertThat(w).contains("6144 MiB").contains("-Xmx224m"));
  }

  @Test
  void isQuietWhenTheOperatorSetAnyOfThem() {
    for (Map.Entry<String, VMOption.Origin> given : Map.of(
        "MaxHeapSize", VMOption.Origin.VM_CREATION, // -Xmx
        "MaxRAMPercentage", VMOption.Origin.VM_CREATION, // the container image's setting
        "MaxRAM", VMOption.Origin.ENVIRON_VAR, // JAVA_TOOL_OPTIONS
        "MaxRAMFraction", VMOption.Origin.CONFIG_FILE).entrySet()) {
      assertThat(HeapLimit.warning(option -> option.equals(given.getKey()) ? given.getValue()
          : VMOption.Origin.DEFAULT, SIX_GIB)).as(given.getKey()).isEmpty();
    }
  }

  @Test
  void readsThisJvmsOwnOptions() {
    boolean limited = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .anyMatch(a -> a.startsWith("-Xmx") || a.startsWith("-XX:MaxHeapSize") || a.startsWith("-XX:MaxRAM"));
    assertThat(HeapLimit.warning().isPresent()).as("warning, for a JVM started with a heap limit: %s", limited)
        .isEqualTo(!limited);
  }
}
