package dev.configservice;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether the operator gave the JVM a heap limit. Without one the JVM may grow the heap to a quarter of the
 * machine's memory during a burst of writes and keep it (a service with ~150 MiB of live data measured 747 MiB
 * resident on a 24 GiB machine), so the service says so at start-up.
 */
final class HeapLimit {

  /** The options that set the maximum heap, directly or as a share of the machine's or container's memory. */
  static final List<String> LIMITS = List.of("MaxHeapSize", "MaxRAMPercentage", "MaxRAMFraction", "MaxRAM");

  private HeapLimit() {
  }

  /** The warning to log when no heap limit was given on this JVM's command line (or its environment). */
  static Optional<String> warning() {
    HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    if (hotspot == null) {
      return Optional.empty();
    }
    return warning(name -> {
      try {
        return hotspot.getVMOption(name).getOrigin();
      } catch (IllegalArgumentException e) {
        return VMOption.Origin.DEFAULT; // not an option of this JVM
      }
    }, Runtime.getRuntime().maxMemory());
  }

  static Optional<String> warning(Function<String, VMOption.Origin> originOf, long maxHeapBytes) {
    for (String option : LIMITS) {
      VMOption.Origin origin = originOf.apply(option);
      if (origin != VMOption.Origin.DEFAULT && origin != VMOption.Origin.ERGONOMIC) {
        return Optional.empty();
      }
    }
    return Optional.of("no heap limit was given, so the JVM may grow its heap up to " + (maxHeapBytes >> 20)
        + " MiB under load and keep it; start it with one, e.g. java -Xms224m -Xmx224m -jar config-service.jar "
        + "(README, Memory)");
  }
}
