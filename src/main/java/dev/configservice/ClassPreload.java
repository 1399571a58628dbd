package dev.configservice;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads, on a second thread, the classes a start of the service needs, while the main thread starts it: start-up
 * is mostly loading some 4,000 classes one after the other on one thread, and the machine has a second core.
 *
 * <p>The list ({@value #LIST}) is recorded from a real start by {@code gatling/bench/preload-list.sh}. The classes
 * are loaded, not initialized, so no static initializer runs earlier or on another thread than it would anyway; a
 * class the main thread reaches first is simply loaded there, and one the list names but no longer exists is
 * skipped. So a stale list costs time, never behaviour. {@code -Dconfig.preload=false} turns it off.
 */
final class ClassPreload {

  static final String LIST = "/META-INF/config-service/preload-classes.txt";

  private ClassPreload() {
  }

  /** Starts the loading thread unless turned off; returns it (or null), for tests. */
  static Thread start() {
    if ("false".equals(System.getProperty("config.preload"))) {
      return null;
    }
    ClassLoader loader = ClassPreload.class.getClassLoader();
    Thread thread = new Thread(() -> {
      for (String name : names()) {
        try {
          Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
          // not on this class path (a stale list, or an optional dependency): loaded on demand, if ever
        }
      }
    }, "class-preload");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** The class names of the list, in the order a start loads them; empty when the list is missing. */
  static List<String> names() {
    List<String> names = new ArrayList<>();
    try (InputStream in = ClassPreload.class.getResourceAsStream(LIST)) {
      if (in == null) {
        return names;
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (!line.isBlank() && !line.startsWith("#")) {
          names.add(line.strip());
        }
      }
    } catch (IOException e) {
      // an unreadable list only means a slower start
    }
    return names;
  }
}
