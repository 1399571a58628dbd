package dev.configservice;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Loads, on a second thread, the classes a start of the service needs, while the main thread starts it: start-up
 * is mostly loading some 4,000 classes one after the other on one thread, and the machine has a second core.
 *
 * <p>The lists ({@value #LIST} for the embedded store, {@value #LIST_DYNAMODB} for DynamoDB, whose start loads the AWS
 * SDK's classes as well) are recorded from real starts by {@code gatling/bench/preload-list.sh}. Loading begins with
 * the first before the settings are read; once {@link #storeIs} says the store is DynamoDB, it goes on with the
 * second (from its top: the classes both lists share are already loaded, and finding them again costs microseconds).
 * The classes are loaded, not initialized, so no static initializer runs earlier or on another thread than it would anyway; a
 * class the main thread reaches first is simply loaded there, and one the list names but no longer exists is
 * skipped. So a stale list costs time, never behaviour. {@code -Dconfig.preload=false} turns it off.
 */
final class ClassPreload {

  static final String LIST = "/META-INF/config-service/preload-classes.txt";
  static final String LIST_DYNAMODB = "/META-INF/config-service/preload-classes-dynamodb.txt";

  /** The list the loading thread works through; {@link #storeIs} may switch it while it runs. */
  private static final AtomicReference<String> CURRENT = new AtomicReference<>(LIST);

  private ClassPreload() {
  }

  /** Starts the loading thread unless turned off; returns it (or null), for tests. */
  static Thread start() {
    if ("false".equals(System.getProperty("config.preload"))) {
      return null;
    }
    ClassLoader loader = ClassPreload.class.getClassLoader();
    Thread thread = new Thread(() -> {
      String list = CURRENT.get();
      List<String> names = names(list);
      for (int i = 0; i < names.size(); i++) {
        if (!list.equals(CURRENT.get())) {
          list = CURRENT.get();
          names = names(list);
          i = 0;
        }
        try {
          Class.forName(names.get(i), false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
          // not on this class path (a stale list, or an optional dependency): loaded on demand, if ever
        }
      }
    }, "class-preload");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /**
   * Tells the loading thread which store this start opens: with DynamoDB it goes on with {@value #LIST_DYNAMODB}
   * (if it is still running; a thread started later begins with that list).
   */
  static void storeIs(boolean dynamoDb) {
    CURRENT.set(dynamoDb ? LIST_DYNAMODB : LIST);
  }

  /** The class names of a list, in the order a start loads them; empty when the list is missing. */
  static List<String> names(String list) {
    List<String> names = new ArrayList<>();
    try (InputStream in = ClassPreload.class.getResourceAsStream(list)) {
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
