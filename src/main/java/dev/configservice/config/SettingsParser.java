package dev.configservice.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@link ServiceConfig} from environment variables and flags. A flag {@code --data-dir=/x} (or
 * {@code --data-dir /x}) sets the variable {@code DATA_DIR} and wins over the environment. An unknown flag or
 * a bad value stops start-up with a message naming every problem.
 */
public final class SettingsParser {

  /** Every setting: name, default (null = none), and a one-line description for --help. */
  public static final Map<String, String[]> SETTINGS = new LinkedHashMap<>();

  static {
    add("HOST", "127.0.0.1", "address to listen on (0.0.0.0 in containers)");
    add("PORT", "8080", "HTTP port (0 = any free port)");
    add("STORE", "embedded", "embedded (H2 MVStore files in DATA_DIR) or dynamodb");
    add("DATA_DIR", "./data", "directory of the embedded store");
    add("DURABILITY", "fsync", "embedded store: fsync (a write is acknowledged once forced to disk) or process "
        + "(once the OS has it: survives a crash of the process, not of the machine)");
    add("MAX_VALUE_BYTES", "65536", "largest value, serialized as compact JSON");
    add("MAX_VERSIONS", "100", "versions kept per key (history is pruned beyond)");
    add("CACHE_MAX_ENTRIES", "200000", "keys held in the in-memory read cache (0 disables it)");
    add("CACHE_MAX_BYTES", "60%", "memory the read cache may hold (bodies, keys and ~200 bytes of bookkeeping per "
        + "entry): bytes with an optional k, m or g, or a percentage of the JVM's maximum heap");
    add("CACHE_TTL", null, "how long a cached entry may serve reads; default: forever for embedded, 5s for dynamodb "
        + "(other instances' writes reach this one's cache within this time); an entry read in its last quarter is "
        + "re-read from the store in the background, so that a key in use does not expire");
    add("CACHE_STALE_IF_ERROR", "1m", "how long past CACHE_TTL a cached value may still answer a GET when the store "
        + "read that would replace it fails (timeout or store unavailable); 0 disables it");
    add("MAX_IN_FLIGHT", "auto", "requests in progress per instance before new ones get 503 + Retry-After; auto: "
        + "MAX_CONNECTIONS (an HTTP/1.1 connection has one request in progress at most, and the connection bound "
        + "already budgets their memory)");
    add("MAX_IN_FLIGHT_BYTES", "6%", "request body bytes held by the requests in progress before a request with a "
        + "body gets 503 + Retry-After (each counts its Content-Length): bytes with an optional k, m or g, or a "
        + "percentage of the JVM's maximum heap");
    add("MAX_HEAP_FOR_WRITES", "85%", "requests with a body (writes) get 503 + Retry-After while the heap in use "
        + "after the last garbage collection is above this share of the maximum heap, until a collection leaves it "
        + "10 points lower (or none has run for 2 s), and the read cache gives memory back meanwhile (down to a "
        + "quarter of CACHE_MAX_BYTES, back 30 s after the last cut); off disables both");
    add("MAX_CONNECTIONS", "auto", "open HTTP connections per instance; a connection beyond it has its requests "
        + "answered 503 + Retry-After and is closed; auto: one per 4 KiB of a fifth of the JVM's maximum heap "
        + "(11,468 at -Xmx224m), at least 1000");
    add("SHED_WRITE_LATENCY", null, "store write latency that never makes the service shed writes; when for a "
        + "second every write took longer than it and than twice the store's recent best while writes piled up, "
        + "the adaptive write limit shrinks and the excess gets 503 + Retry-After at once; off disables it; "
        + "default 10ms for dynamodb, off for embedded (its group commit does not queue; what it runs out of is CPU)");
    add("HTTP_INSTANCES", null, "HTTP verticle instances (default: one per core)");
    add("STORE_TIMEOUT", null, "longest wait for one store call before the request answers 504; default 5s for "
        + "embedded, 2 x DYNAMODB_API_TIMEOUT + 1s for dynamodb (a write makes two sequential calls)");
    add("IDLE_TIMEOUT", "120s", "a connection on which no request has begun for this long is closed (keep it above "
        + "the load balancer's idle timeout, 60s by default on an ALB, so that the balancer closes first)");
    add("SHUTDOWN_TIMEOUT", "10s", "longest wait for in-flight requests on SIGTERM");
    add("READY_INTERVAL", "1s", "how often readiness asks the store whether it answers");
    add("LOG_FORMAT", "text", "text or json (one JSON object per line, for CloudWatch Logs)");
    add("LOG_LEVEL", "INFO", "level of the service's loggers; DEBUG logs one line per request");
    add("DYNAMODB_TABLE", "config-service", "DynamoDB table name");
    add("AWS_REGION", "us-east-1", "AWS region of the table");
    add("DYNAMODB_ENDPOINT", null, "endpoint override for emulators, e.g. http://127.0.0.1:8000");
    add("CREATE_TABLE", "false", "create the table at start-up if missing (development only)");
    add("DYNAMODB_API_TIMEOUT", "3s", "total time for one DynamoDB call, retries included");
    add("DYNAMODB_ATTEMPT_TIMEOUT", "1s", "time for one DynamoDB attempt");
    add("CLOUDWATCH_METRICS", "false", "print CloudWatch embedded-metric-format records to stdout");
    add("CLOUDWATCH_NAMESPACE", "ConfigService", "CloudWatch namespace of those metrics");
    add("SERVICE_NAME", "config-service", "value of the Service dimension");
    add("METRICS_INTERVAL", "60s", "how often a CloudWatch record is printed");
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  private final Map<String, String> values = new LinkedHashMap<>();
  private final List<String> problems = new ArrayList<>();

  private SettingsParser() {
  }

  private static void add(String name, String defaultValue, String description) {
    SETTINGS.put(name, new String[] {defaultValue, description});
  }

  /** Reads the settings; throws {@link InvalidSettingsException} listing every problem. */
  public static ServiceConfig parse(Map<String, String> env, String[] args) {
    SettingsParser p = new SettingsParser();
    SETTINGS.forEach((name, spec) -> {
      String v = env.get(name);
      if (v != null && !v.isBlank()) {
        p.values.put(name, v.trim());
      }
    });
    p.readFlags(args);
    ServiceConfig config = p.build();
    if (!p.problems.isEmpty()) {
      throw new InvalidSettingsException(p.problems);
    }
    return config;
  }

  /** The environment variable that a flag sets: --data-dir → DATA_DIR. */
  static String flagToName(String flag) {
    return flag.replace('-', '_').toUpperCase(Locale.ROOT);
  }

  private void readFlags(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || arg.length() == 2) {
        problems.add("unexpected argument '" + arg + "' (flags look like --port=8080)");
        continue;
      }
      String body = arg.substring(2);
      int eq = body.indexOf('=');
      String flag = eq < 0 ? body : body.substring(0, eq);
      String name = flagToName(flag);
      if (!SETTINGS.containsKey(name)) {
        problems.add("unknown flag --" + flag + " (known: " + knownFlags() + ")");
        continue;
      }
      String value;
      if (eq >= 0) {
        value = body.substring(eq + 1);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        problems.add("flag --" + flag + " needs a value");
        continue;
      }
      values.put(name, value.trim());
    }
  }

  private static String knownFlags() {
    return String.join(", ", SETTINGS.keySet().stream().map(n -> "--" + n.toLowerCase(Locale.ROOT).replace('_', '-')).toList());
  }

  private ServiceConfig build() {
    ServiceConfig.StoreKind store = get("STORE", s -> ServiceConfig.StoreKind.valueOf(s.toUpperCase(Locale.ROOT)),
        "embedded or dynamodb");
    Duration defaultTtl = store == ServiceConfig.StoreKind.DYNAMODB ? Duration.ofSeconds(5) : Duration.ZERO;
    Duration cacheTtl = values.containsKey("CACHE_TTL")
        ? get("CACHE_TTL", SettingsParser::duration, "a duration such as 500ms, 5s, 2m, or 0")
        : defaultTtl;
    Duration cacheStaleIfError = get("CACHE_STALE_IF_ERROR", SettingsParser::duration,
        "a duration such as 30s, 1m, or 0");
    int cores = Runtime.getRuntime().availableProcessors();
    Integer httpInstances = values.containsKey("HTTP_INSTANCES")
        ? get("HTTP_INSTANCES", s -> range(Integer.parseInt(s), 1, 256), "a whole number from 1 to 256")
        : Integer.valueOf(cores);

    String host = get("HOST", SettingsParser::host, "an IP address or host name");
    Integer port = get("PORT", s -> range(Integer.parseInt(s), 0, 65535), "a port number from 0 to 65535");
    Path dataDir = get("DATA_DIR", Path::of, "a directory path");
    ServiceConfig.Durability durability = get("DURABILITY",
        v -> ServiceConfig.Durability.valueOf(v.toUpperCase(Locale.ROOT)), "fsync or process");
    Integer maxValueBytes = get("MAX_VALUE_BYTES", s -> range(Integer.parseInt(s), 1, 16 * 1024 * 1024),
        "bytes from 1 to 16777216");
    Integer maxVersions = get("MAX_VERSIONS", s -> range(Integer.parseInt(s), 1, 100_000), "a whole number from 1 to 100000");
    Integer cacheMaxEntries = get("CACHE_MAX_ENTRIES", s -> range(Integer.parseInt(s), 0, Integer.MAX_VALUE),
        "a whole number >= 0");
    Long cacheMaxBytes = get("CACHE_MAX_BYTES", SettingsParser::bytesOrHeapShare,
        "bytes such as 134217728, 128m or 1g, or a share of the maximum heap from 1% to 90%");
    Integer maxInFlight = get("MAX_IN_FLIGHT",
        s -> s.trim().equalsIgnoreCase("auto") ? AUTO : range(Integer.parseInt(s.trim()), 1, 1_000_000),
        "auto or a whole number from 1 to 1000000");
    Long maxInFlightBytes = get("MAX_IN_FLIGHT_BYTES", SettingsParser::bytesOrHeapShare,
        "bytes such as 16777216, 16m or 1g, or a share of the maximum heap from 1% to 90%");
    Integer maxHeapForWrites = get("MAX_HEAP_FOR_WRITES", SettingsParser::heapShareOrOff,
        "a share of the maximum heap from 50% to 99%, or off");
    Integer maxConnections = get("MAX_CONNECTIONS", SettingsParser::connections,
        "auto or a whole number from 1 to 10000000");
    Duration shedWriteLatency = get("SHED_WRITE_LATENCY",
        s -> s.equalsIgnoreCase("off") ? Duration.ZERO : positiveDuration(s), "a positive duration such as 10ms, or off");
    Duration storeTimeout = get("STORE_TIMEOUT", SettingsParser::positiveDuration, "a positive duration such as 5s");
    Duration idleTimeout = get("IDLE_TIMEOUT", SettingsParser::idleTimeout,
        "a duration of 1s or more such as 120s");
    Duration shutdownTimeout = get("SHUTDOWN_TIMEOUT", SettingsParser::duration, "a duration such as 10s");
    Duration readyInterval = get("READY_INTERVAL", SettingsParser::positiveDuration, "a positive duration such as 1s");
    ServiceConfig.LogFormat logFormat = get("LOG_FORMAT",
        s -> ServiceConfig.LogFormat.valueOf(s.toUpperCase(Locale.ROOT)), "text or json");
    String logLevel = get("LOG_LEVEL", SettingsParser::level, "TRACE, DEBUG, INFO, WARN or ERROR");
    ServiceConfig.DynamoDb dynamoDb = new ServiceConfig.DynamoDb(
        get("DYNAMODB_TABLE", SettingsParser::tableName, "3-255 characters of a-z A-Z 0-9 _ - ."),
        get("AWS_REGION", SettingsParser::region, "an AWS region such as eu-west-1"),
        get("DYNAMODB_ENDPOINT", SettingsParser::endpoint, "an http(s) URL such as http://127.0.0.1:8000"),
        Boolean.TRUE.equals(get("CREATE_TABLE", SettingsParser::bool, "true or false")),
        get("DYNAMODB_API_TIMEOUT", SettingsParser::positiveDuration, "a positive duration such as 3s"),
        get("DYNAMODB_ATTEMPT_TIMEOUT", SettingsParser::positiveDuration, "a positive duration such as 1s"));
    ServiceConfig.CloudWatch cloudWatch = new ServiceConfig.CloudWatch(
        Boolean.TRUE.equals(get("CLOUDWATCH_METRICS", SettingsParser::bool, "true or false")),
        get("CLOUDWATCH_NAMESPACE", SettingsParser::nonBlank, "a namespace such as ConfigService"),
        get("SERVICE_NAME", SettingsParser::nonBlank, "a name"),
        get("METRICS_INTERVAL", SettingsParser::positiveDuration, "a positive duration such as 60s"));
    if (!problems.isEmpty()) {
      return null; // parse() reports every problem
    }
    if (maxInFlight == AUTO) { // an int comparison: maxInFlight is never null here
      maxInFlight = maxConnections;
    }
    if (shedWriteLatency == null) {
      shedWriteLatency = store == ServiceConfig.StoreKind.DYNAMODB ? Duration.ofMillis(10) : Duration.ZERO;
    }
    if (storeTimeout == null) {
      storeTimeout = store == ServiceConfig.StoreKind.DYNAMODB
          ? dynamoDb.apiCallTimeout().multipliedBy(2).plusSeconds(1) : Duration.ofSeconds(5);
    }
    return new ServiceConfig(host, port, store, dataDir, durability, maxValueBytes, maxVersions, cacheMaxEntries,
        cacheMaxBytes, cacheTtl, cacheStaleIfError, maxInFlight, maxInFlightBytes, maxHeapForWrites, maxConnections, shedWriteLatency, httpInstances, storeTimeout, idleTimeout, shutdownTimeout, readyInterval, logFormat,
        logLevel, dynamoDb,
        cloudWatch);
  }

  private <T> T get(String name, Function<String, T> parse, String expected) {
    String raw = values.getOrDefault(name, SETTINGS.get(name)[0]);
    if (raw == null) {
      return null;
    }
    try {
      T value = parse.apply(raw);
      if (value == null) {
        throw new IllegalArgumentException();
      }
      return value;
    } catch (RuntimeException e) {
      problems.add(name + "='" + raw + "' is not valid: expected " + expected);
      return null;
    }
  }

  /**
   * A whole number, or {@code auto}: as many connections as fit in a fifth of the maximum heap at 4 KiB each (an
   * idle keep-alive connection holds ~3.6 KiB of heap), so that with the read cache at its 60% a flood of
   * connections cannot run the heap out.
   */
  /** MAX_IN_FLIGHT given as auto, resolved once MAX_CONNECTIONS is known. */
  private static final int AUTO = -1;

  static int connections(String s) {
    if (s.trim().equalsIgnoreCase("auto")) {
      return autoConnections(Runtime.getRuntime().maxMemory());
    }
    return range(Integer.parseInt(s.trim()), 1, 10_000_000);
  }

  static int autoConnections(long maxHeapBytes) {
    return (int) Math.min(10_000_000, Math.max(1000, maxHeapBytes / 5 / 4096));
  }

  /** {@code 128m}, {@code 1g}, {@code 65536}, or {@code 60%} of the JVM's maximum heap. */
  /** A percentage of the maximum heap from 50 to 99, or 0 for off. */
  static int heapShareOrOff(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT);
    if (v.equals("off")) {
      return 0;
    }
    if (!v.endsWith("%")) {
      throw new IllegalArgumentException("not a percentage");
    }
    return range(Integer.parseInt(v.substring(0, v.length() - 1)), 50, 99);
  }

  static long bytesOrHeapShare(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT);
    if (v.endsWith("%")) {
      int percent = range(Integer.parseInt(v.substring(0, v.length() - 1)), 1, 90);
      return Runtime.getRuntime().maxMemory() / 100 * percent;
    }
    long unit = switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
      case 'k' -> 1L << 10;
      case 'm' -> 1L << 20;
      case 'g' -> 1L << 30;
      default -> 1;
    };
    long n = Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1));
    if (n < 1 || n > Long.MAX_VALUE / unit) {
      throw new IllegalArgumentException();
    }
    return n * unit;
  }

  private static int range(int v, int min, int max) {
    if (v < min || v > max) {
      throw new IllegalArgumentException();
    }
    return v;
  }

  static Duration duration(String s) {
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = DURATION.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
    try {
      return Duration.parse(s);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static Duration positiveDuration(String s) {
    Duration d = duration(s);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException();
    }
    return d;
  }

  private static Duration idleTimeout(String s) {
    Duration d = duration(s);
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException();
    }
    return d;
  }

  private static boolean bool(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new IllegalArgumentException();
    };
  }

  private static String host(String s) {
    if (!s.matches("[A-Za-z0-9.:\\-\\[\\]]+")) {
      throw new IllegalArgumentException();
    }
    return s;
  }

  private static String level(String s) {
    String up = s.toUpperCase(Locale.ROOT);
    if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(up)) {
      throw new IllegalArgumentException();
    }
    return up;
  }

  private static String tableName(String s) {
    if (!s.matches("[A-Za-z0-9_.\\-]{3,255}")) {
      throw new IllegalArgumentException();
    }
    return s;
  }

  private static String region(String s) {
    if (!s.matches("[a-z]{2}(-[a-z]+)+-\\d+")) {
      throw new IllegalArgumentException();
    }
    return s;
  }

  private static URI endpoint(String s) {
    try {
      URI uri = new URI(s);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static String nonBlank(String s) {
    if (s.isBlank()) {
      throw new IllegalArgumentException();
    }
    return s;
  }
}
