package dev.configservice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsParserTest {

  private static final String[] NO_ARGS = new String[0];

  @Test
  void defaultsRunTheEmbeddedStoreOnPort8080() {
    ServiceConfig c = SettingsParser.parse(Map.of(), NO_ARGS);
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.store()).isEqualTo(ServiceConfig.StoreKind.EMBEDDED);
    assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(c.durability()).isEqualTo(ServiceConfig.Durability.FSYNC);
    assertThat(c.maxValueBytes()).isEqualTo(65536);
    assertThat(c.maxVersions()).isEqualTo(100);
    assertThat(c.cacheTtl()).isEqualTo(Duration.ZERO);
    assertThat(c.httpInstances()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(c.logFormat()).isEqualTo(ServiceConfig.LogFormat.TEXT);
    assertThat(c.cloudWatch().enabled()).isFalse();
    assertThat(c.dynamoDb().endpoint()).isNull();
    assertThat(c.maxBodyBytes()).isEqualTo(65536 + 16384);
  }

  @Test
  void environmentSetsAndFlagsOverride() {
    ServiceConfig c = SettingsParser.parse(
        Map.of("PORT", "9000", "STORE", "DynamoDB", "DYNAMODB_ENDPOINT", "http://127.0.0.1:8000", "CREATE_TABLE", "yes",
            "CACHE_TTL", "250ms", "LOG_FORMAT", "json", "LOG_LEVEL", "debug", "UNRELATED_VARIABLE", "ignored"),
        new String[] {"--port=9100", "--data-dir", "/tmp/x", "--max-versions=7", "--shutdown-timeout=PT3S",
            "--durability=process"});
    assertThat(c.durability()).isEqualTo(ServiceConfig.Durability.PROCESS);
    assertThat(c.port()).isEqualTo(9100);
    assertThat(c.store()).isEqualTo(ServiceConfig.StoreKind.DYNAMODB);
    assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/x"));
    assertThat(c.maxVersions()).isEqualTo(7);
    assertThat(c.cacheTtl()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.logFormat()).isEqualTo(ServiceConfig.LogFormat.JSON);
    assertThat(c.logLevel()).isEqualTo("DEBUG");
    assertThat(c.dynamoDb().endpoint()).isEqualTo(URI.create("http://127.0.0.1:8000"));
    assertThat(c.dynamoDb().createTable()).isTrue();
    assertThat(c.withPort(1).port()).isEqualTo(1);
  }

  @Test
  void theAdaptiveWriteLimitIsOnByDefaultForDynamoDbOnly() {
    assertThat(SettingsParser.parse(Map.of("STORE", "dynamodb"), NO_ARGS).shedWriteLatency()).isEqualTo(Duration.ofMillis(10));
    assertThat(SettingsParser.parse(Map.of(), NO_ARGS).adaptiveWriteLimit()).isFalse();
    assertThat(SettingsParser.parse(Map.of("SHED_WRITE_LATENCY", "25ms"), NO_ARGS).shedWriteLatency())
        .isEqualTo(Duration.ofMillis(25));
    assertThat(SettingsParser.parse(Map.of("STORE", "dynamodb", "SHED_WRITE_LATENCY", "off"), NO_ARGS)
        .adaptiveWriteLimit()).isFalse();
  }

  @Test
  void requestsInProgressFollowTheConnectionBoundUnlessSet() {
    assertThat(SettingsParser.parse(Map.of(), NO_ARGS).maxInFlight())
        .isEqualTo(SettingsParser.autoConnections(Runtime.getRuntime().maxMemory()));
    assertThat(SettingsParser.parse(Map.of("MAX_CONNECTIONS", "20000"), NO_ARGS).maxInFlight()).isEqualTo(20_000);
    assertThat(SettingsParser.parse(Map.of("MAX_IN_FLIGHT", "4096", "MAX_CONNECTIONS", "20000"), NO_ARGS)
        .maxInFlight()).isEqualTo(4096);
    assertThat(SettingsParser.parse(Map.of("MAX_IN_FLIGHT", "Auto", "MAX_CONNECTIONS", "3000"), NO_ARGS)
        .maxInFlight()).isEqualTo(3000);
    for (String bad : new String[] {"0", "-1", "lots", "2000000"}) {
      assertThatThrownBy(() -> SettingsParser.parse(Map.of("MAX_IN_FLIGHT", bad), NO_ARGS)).as(bad)
          .isInstanceOfSatisfying(InvalidSettingsException.class,
              e -> assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("MAX_IN_FLIGHT='" + bad + "'")));
    }
  }

  @Test
  void connectionsAreBoundedByTheHeapUnlessSet() {
    assertThat(SettingsParser.parse(Map.of(), NO_ARGS).maxConnections())
        .isEqualTo(SettingsParser.autoConnections(Runtime.getRuntime().maxMemory()));
    assertThat(SettingsParser.autoConnections(224L << 20)).isEqualTo(11_468); // the benchmark's -Xmx224m
    assertThat(SettingsParser.autoConnections(16L << 20)).isEqualTo(1000);
    assertThat(SettingsParser.autoConnections(Long.MAX_VALUE)).isEqualTo(10_000_000);
    assertThat(SettingsParser.parse(Map.of("MAX_CONNECTIONS", "50000"), NO_ARGS).maxConnections()).isEqualTo(50_000);
    assertThat(SettingsParser.parse(Map.of("MAX_CONNECTIONS", "AUTO"), NO_ARGS).maxConnections())
        .isEqualTo(SettingsParser.autoConnections(Runtime.getRuntime().maxMemory()));
    for (String bad : new String[] {"0", "-5", "many", "20000000"}) {
      assertThatThrownBy(() -> SettingsParser.parse(Map.of("MAX_CONNECTIONS", bad), NO_ARGS)).as(bad)
          .isInstanceOfSatisfying(InvalidSettingsException.class,
              e -> assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("MAX_CONNECTIONS='" + bad + "'")));
    }
  }

  @Test
  void dynamoDbCachesExpireByDefault() {
    assertThat(SettingsParser.parse(Map.of("STORE", "dynamodb"), NO_ARGS).cacheTtl()).isEqualTo(Duration.ofSeconds(5));
    assertThat(SettingsParser.parse(Map.of("STORE", "dynamodb"), NO_ARGS).storeTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(SettingsParser.parse(Map.of(), NO_ARGS).storeTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(SettingsParser.parse(Map.of("STORE", "dynamodb", "CACHE_TTL", "0"), NO_ARGS).cacheTtl()).isZero();
  }

  @Test
  void everyBadSettingIsNamedAndStartUpStops() {
    assertThatThrownBy(() -> SettingsParser.parse(
        Map.of("PORT", "99999", "STORE", "postgres", "MAX_VALUE_BYTES", "-1", "CACHE_TTL", "soon",
            "DYNAMODB_ENDPOINT", "ftp://x", "AWS_REGION", "moon", "CLOUDWATCH_METRICS", "maybe", "HOST", "a b"),
        new String[] {"--colour=blue", "stray", "--port"}))
        .isInstanceOfSatisfying(InvalidSettingsException.class, e -> assertThat(e.problems())
            .anyMatch(m -> m.startsWith("PORT='99999'"))
            .anyMatch(m -> m.startsWith("STORE='postgres'"))
            .anyMatch(m -> m.startsWith("MAX_VALUE_BYTES='-1'"))
            .anyMatch(m -> m.startsWith("CACHE_TTL='soon'"))
            .anyMatch(m -> m.startsWith("DYNAMODB_ENDPOINT='ftp://x'"))
            .anyMatch(m -> m.startsWith("AWS_REGION='moon'"))
            .anyMatch(m -> m.startsWith("CLOUDWATCH_METRICS='maybe'"))
            .anyMatch(m -> m.startsWith("HOST='a b'"))
            .anyMatch(m -> m.startsWith("unknown flag --colour"))
            .anyMatch(m -> m.startsWith("unexpected argument 'stray'"))
            .anyMatch(m -> m.startsWith("flag --port needs a value")))
        .hasMessageContaining("invalid settings");
  }

  @Test
  void cacheBytesTakeUnitsOrAShareOfTheHeap() {
    long heap = Runtime.getRuntime().maxMemory();
    assertThat(SettingsParser.parse(Map.of(), NO_ARGS).cacheMaxBytes()).isEqualTo(heap / 100 * 60);
    assertThat(SettingsParser.parse(Map.of("CACHE_MAX_BYTES", "25%"), NO_ARGS).cacheMaxBytes()).isEqualTo(heap / 100 * 25);
    assertThat(SettingsParser.bytesOrHeapShare("128m")).isEqualTo(128L << 20);
    assertThat(SettingsParser.bytesOrHeapShare("2G")).isEqualTo(2L << 30);
    assertThat(SettingsParser.bytesOrHeapShare("65536")).isEqualTo(65536);
    for (String bad : new String[] {"0", "-1m", "95%", "0%", "lots", "", "m"}) {
      assertThatThrownBy(() -> SettingsParser.bytesOrHeapShare(bad)).as(bad).isInstanceOf(RuntimeException.class);
    }
    assertThatThrownBy(() -> SettingsParser.parse(Map.of("CACHE_MAX_BYTES", "half"), NO_ARGS))
        .isInstanceOfSatisfying(InvalidSettingsException.class,
            e -> assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("CACHE_MAX_BYTES='half' is not valid")));
  }

  @Test
  void theHeapLimitForWritesIsAShareOrOff() {
    assertThat(SettingsParser.parse(Map.of(), NO_ARGS).maxHeapForWritesPercent()).isEqualTo(85);
    assertThat(SettingsParser.parse(Map.of("MAX_HEAP_FOR_WRITES", "95%"), NO_ARGS).maxHeapForWritesPercent())
        .isEqualTo(95);
    assertThat(SettingsParser.parse(Map.of("MAX_HEAP_FOR_WRITES", "off"), NO_ARGS).maxHeapForWritesPercent())
        .isZero();
    for (String bad : new String[] {"40%", "100%", "85", "lots"}) {
      assertThatThrownBy(() -> SettingsParser.parse(Map.of("MAX_HEAP_FOR_WRITES", bad), NO_ARGS)).as(bad)
          .isInstanceOfSatisfying(InvalidSettingsException.class,
              e -> assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("MAX_HEAP_FOR_WRITES='" + bad)));
    }
  }

  @Test
  void durationsTakeUnitsOrIso() {
    assertThat(SettingsParser.duration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(SettingsParser.duration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(SettingsParser.duration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(SettingsParser.duration("PT1.5S")).isEqualTo(Duration.ofMillis(1500));
    assertThatThrownBy(() -> SettingsParser.duration("5 seconds")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SettingsParser.parse(Map.of("STORE_TIMEOUT", "0"), NO_ARGS))
        .isInstanceOf(InvalidSettingsException.class);
  }
}
