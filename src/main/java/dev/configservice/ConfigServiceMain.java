package dev.configservice;

import dev.configservice.config.InvalidSettingsException;
import dev.configservice.config.ServiceConfig;
import dev.configservice.config.SettingsParser;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Entry point: reads the settings once, sets up logging from them, starts the service, and stops it
 * gracefully on SIGTERM (or Ctrl-C).
 */
public final class ConfigServiceMain {

  private static final String MAX_CACHED_BUFFER = "jdk.nio.maxCachedBufferSize";
  private static final String NETTY_JFR = "io.netty.jfr.enabled";

  private ConfigServiceMain() {
  }

  public static void main(String[] args) throws Exception {
    // The JDK keeps, per thread and forever, a direct buffer as large as the largest heap buffer written to a
    // file or socket; the store's checkpoints write chunks of many megabytes. Cap what is kept (larger writes
    // get a temporary buffer). Must be set before the first NIO write; -Djdk.nio.maxCachedBufferSize wins.
    if (System.getProperty(MAX_CACHED_BUFFER) == null) {
      System.setProperty(MAX_CACHED_BUFFER, Integer.toString(256 * 1024));
    }
    // Netty 4.2's buffer allocator declares JDK Flight Recorder events, and the first buffer it allocates (the
    // first request's) registers them with JFR: ~150 ms of a 1.4-2.1 s start on a 2-core VM, before the first
    // answer. Off unless asked for (-Dio.netty.jfr.enabled=true); JFR itself, and the JVM's events, are unaffected.
    if (System.getProperty(NETTY_JFR) == null) {
      System.setProperty(NETTY_JFR, "false");
    }
    ClassPreload.start(); // after the properties above, which some of those classes read when they initialize
    if (Arrays.asList(args).contains("--help")) {
      printHelp();
      return;
    }
    ServiceConfig config;
    try {
      config = SettingsParser.parse(System.getenv(), args);
    } catch (InvalidSettingsException e) {
      System.err.println("config-service cannot start: " + e.getMessage());
      System.err.println("run with --help to list the settings");
      System.exit(2);
      return;
    }
    ClassPreload.storeIs(config.store() == ServiceConfig.StoreKind.DYNAMODB);
    // Logging is configured from the settings before the first logger exists (logging/ServiceLogging reads these).
    System.setProperty("LOG_APPENDER", config.logFormat() == ServiceConfig.LogFormat.JSON ? "JSON" : "TEXT");
    System.setProperty("LOG_LEVEL", config.logLevel());

    ConfigServiceApp app;
    try {
      app = ConfigServiceApp.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      System.err.println("config-service failed to start: " + cause);
      cause.printStackTrace();
      System.exit(1);
      return;
    }
    HeapLimit.warning().ifPresent(w -> org.slf4j.LoggerFactory.getLogger(ConfigServiceMain.class).warn(w));
    long graceMillis = config.shutdownTimeout().toMillis() + 15_000;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        app.stop().toCompletionStage().toCompletableFuture().get(graceMillis, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        System.err.println("graceful shutdown did not finish: " + e);
      }
    }, "shutdown"));
  }

  private static void printHelp() {
    System.out.println("config-service: a key-value configuration service\n");
    System.out.println("Settings (environment variable, or flag --name=value):");
    for (Map.Entry<String, String[]> s : SettingsParser.SETTINGS.entrySet()) {
      String flag = "--" + s.getKey().toLowerCase(Locale.ROOT).replace('_', '-');
      String def = s.getValue()[0] == null ? "" : " (default " + s.getValue()[0] + ")";
      System.out.printf("  %-26s %-28s %s%s%n", s.getKey(), flag, s.getValue()[1], def);
    }
  }
}
