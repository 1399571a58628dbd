package dev.configservice;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the JVM hand heap it no longer needs back to the operating system. Without a heap limit the JVM may grow
 * the heap to a quarter of RAM during a burst of writes and, by default, keeps it: a service that needs ~150 MiB
 * for 100,000 keys stayed at 650-1,000 MiB resident after its load had ended. This sets three of the JVM's
 * run-time ("manageable") options, each only when the command line left it at its default:
 * <ul>
 *   <li>{@code G1PeriodicGCInterval=30000}: after 30 s without a collection (an idle service), G1 runs a
 *       concurrent cycle, which shrinks the heap (JEP 346);</li>
 *   <li>{@code MaxHeapFreeRatio=30} and {@code MinHeapFreeRatio=10}: a cycle shrinks the heap until at most 30%
 *       of it is free (the JVM's default, 70%, keeps up to 3x the live data).</li>
 * </ul>
 * A heap limit ({@code -Xmx}) still bounds memory under load; this only returns what a past burst left behind.
 */
final class JvmMemory {

  static final Map<String, String> DEFAULTS = defaults();

  private JvmMemory() {
  }

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    // MaxHeapFreeRatio first: the JVM refuses a MinHeapFreeRatio above the current MaxHeapFreeRatio.
    d.put("MaxHeapFreeRatio", "30");
    d.put("MinHeapFreeRatio", "10");
    d.put("G1PeriodicGCInterval", "30000");
    return d;
  }

  /** Applies {@link #DEFAULTS} to this JVM; returns what it set, for the start-up log. */
  static List<String> returnIdleHeap() {
    return returnIdleHeap(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class));
  }

  static List<String> returnIdleHeap(HotSpotDiagnosticMXBean vm) {
    List<String> set = new ArrayList<>();
    for (Map.Entry<String, String> option : DEFAULTS.entrySet()) {
      try {
        VMOption current = vm.getVMOption(option.getKey());
        if (current.getOrigin() != VMOption.Origin.DEFAULT || !current.isWriteable()) {
          continue;
        }
        vm.setVMOption(option.getKey(), option.getValue());
        set.add(option.getKey() + "=" + option.getValue());
      } catch (IllegalArgumentException | SecurityException e) {
        // Another JVM (or a newer one without the option): leave it alone.
      }
    }
    return set;
  }
}
