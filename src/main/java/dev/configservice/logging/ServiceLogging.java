package dev.configservice.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The service's logging, set up in code when logback starts (found through {@code META-INF/services}): one console
 * appender, text or one JSON object per line, as {@code LOG_FORMAT} and {@code LOG_LEVEL} say (ConfigServiceMain
 * puts them in the system properties {@code LOG_APPENDER} and {@code LOG_LEVEL} before the first logger exists).
 *
 * <p>In code rather than in a {@code logback.xml}, because logback's XML configuration (its Joran interpreter and
 * the JDK's SAX parser, ~600 classes) took 0.3-0.5 s of a 1.4-2.1 s start on a 2-core VM. An operator who wants
 * their own configuration passes {@code -Dlogback.configurationFile=<file>}, and logback reads that file instead.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class ServiceLogging extends ContextAwareBase implements Configurator {

  static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{30} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY; // the operator's own file, read by logback's default configurator
    }
    boolean json = "JSON".equals(System.getProperty("LOG_APPENDER"));
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName(json ? "JSON" : "TEXT");
    console.setEncoder(json ? jsonEncoder(context) : textEncoder(context));
    console.start();

    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(console);
    context.getLogger("dev.configservice").setLevel(Level.toLevel(System.getProperty("LOG_LEVEL"), Level.INFO));
    context.getLogger("io.netty").setLevel(Level.WARN);
    // several HTTP server instances register the same connection gauge; the duplicate is expected
    context.getLogger("io.micrometer.core.instrument.MeterRegistry").setLevel(Level.ERROR);
    context.getLogger("software.amazon.awssdk").setLevel(Level.WARN);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private static Encoder<ILoggingEvent> textEncoder(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(TEXT_PATTERN);
    encoder.start();
    return encoder;
  }

  private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    encoder.setWithContext(false);
    encoder.setWithArguments(false);
    encoder.setWithMessage(false);
    encoder.setWithFormattedMessage(true);
    encoder.start();
    return encoder;
  }
}
