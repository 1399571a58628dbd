package dev.configservice.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service's logging as a fresh logback context gets it (the test JVM itself logs through logback-test.xml,
 * named by {@code logback.configurationFile}, which this test lifts while it runs). The forked-process tests
 * (StartUpTest) read the same logging end to end.
 */
class ServiceLoggingTest {

  private static final String[] PROPERTIES = {"logback.configurationFile", "LOG_APPENDER", "LOG_LEVEL"};
  private final Map<String, String> saved = new HashMap<>();

  @BeforeEach
  void save() {
    for (String p : PROPERTIES) {
      saved.put(p, System.getProperty(p));
      System.clearProperty(p);
    }
  }

  @AfterEach
  void restore() {
    saved.forEach((p, v) -> {
      if (v == null) {
        System.clearProperty(p);
      } else {
        System.setProperty(p, v);
      }
    });
  }

  @Test
  void textByDefaultAtInfoWithTheLibrariesQuieter() {
    LoggerContext context = new LoggerContext();
    assertThat(configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    ConsoleAppender<ILoggingEvent> console = rootConsole(context, "TEXT");
    assertThat(console.getEncoder()).isInstanceOfSatisfying(PatternLayoutEncoder.class,
        e -> assertThat(e.getPattern()).isEqualTo(ServiceLogging.TEXT_PATTERN));
    String line = new String(console.getEncoder().encode(event(context, "dev.configservice.access", "GET /x 200")),
        StandardCharsets.UTF_8);
    assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  \\[main\\] "
        + "dev\\.configservice\\.access - GET /x 200\\R");
    assertThat(context.getLogger("dev.configservice").getLevel()).isEqualTo(Level.INFO);
    assertThat(context.getLogger("dev.configservice.access").isDebugEnabled()).isFalse();
    assertThat(context.getLogger("io.netty").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("software.amazon.awssdk").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.micrometer.core.instrument.MeterRegistry").getLevel()).isEqualTo(Level.ERROR);
  }

  @Test
  void jsonLinesAndTheServiceLevelFromTheSettings() {
    System.setProperty("LOG_APPENDER", "JSON");
    System.setProperty("LOG_LEVEL", "debug");
    LoggerContext context = new LoggerContext();
    configure(context);

    ConsoleAppender<ILoggingEvent> console = rootConsole(context, "JSON");
    assertThat(console.getEncoder()).isInstanceOf(JsonEncoder.class);
    String line = new String(console.getEncoder().encode(event(context, "dev.configservice.access", "GET /x 200")),
        StandardCharsets.UTF_8);
    JsonObject json = new JsonObject(line.strip());
    assertThat(json.getString("level")).isEqualTo("INFO");
    assertThat(json.getString("loggerName")).isEqualTo("dev.configservice.access");
    assertThat(json.getString("formattedMessage")).isEqualTo("GET /x 200");
    assertThat(json.containsKey("message")).isFalse();
    assertThat(context.getLogger("dev.configservice.access").isDebugEnabled()).isTrue();
    assertThat(context.getLogger("io.netty").isDebugEnabled()).isFalse();
  }

  @Test
  void anOperatorsOwnFileIsLeftToLogback() {
    System.setProperty("logback.configurationFile", "/etc/config-service/logback.xml");
    LoggerContext context = new LoggerContext();
    assertThat(configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
  }

  private static ExecutionStatus configure(LoggerContext context) {
    ServiceLogging logging = new ServiceLogging();
    logging.setContext(context);
    return logging.configure(context);
  }

  @SuppressWarnings("unchecked")
  private static ConsoleAppender<ILoggingEvent> rootConsole(LoggerContext context, String name) {
    Appender<ILoggingEvent> appender = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(name);
    assertThat(appender).isInstanceOf(ConsoleAppender.class);
    assertThat(appender.isStarted()).isTrue();
    return (ConsoleAppender<ILoggingEvent>) appender;
  }

  private static LoggingEvent event(LoggerContext context, String logger, String message) {
    if (context.getMDCAdapter() == null) {
      context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    }
    LoggingEvent event = new LoggingEvent("test", context.getLogger(logger), Level.INFO, message, null, null);
    event.setThreadName("main");
    return event;
  }
}
