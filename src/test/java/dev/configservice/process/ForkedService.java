package dev.configservice.process;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The service as a separate JVM process, started with {@code java -cp <test classpath> ConfigServiceMain}. */
final class ForkedService implements AutoCloseable {

  final Process process;
  final int port;
  final Path log;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private ForkedService(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static ForkedService start(Path dataDir, int port, Map<String, String> extraEnv, Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx256m"));
    command.addAll(coverageAgent());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.configservice.ConfigServiceMain"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("PORT", Integer.toString(port));
    builder.environment().put("HOST", "127.0.0.1");
    builder.environment().put("DATA_DIR", dataDir.toString());
    builder.environment().put("STORE", "embedded");
    builder.environment().putAll(extraEnv);
    ForkedService service = new ForkedService(builder.start(), port, log);
    service.awaitReady(Duration.ofSeconds(30));
    return service;
  }

  void awaitReady(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("service exited with " + process.exitValue() + "; see " + log);
      }
      try {
        if (get("/health/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("service not ready within " + timeout + "; see " + log);
  }

  /** The JaCoCo agent of this test JVM, if any, so the forked service's code counts too (it appends). */
  static List<String> coverageAgent() {
    return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-javaagent:") && a.contains("jacoco")).toList();
  }

  /** Runs the main class with these arguments and environment to its end; answers exit code and output. */
  static Map.Entry<Integer, String> run(Map<String, String> env, Path log, String... args) throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(javaBin, "-Xmx128m"));
    command.addAll(coverageAgent());
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.configservice.ConfigServiceMain"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("did not exit");
    }
    return Map.entry(process.exitValue(), java.nio.file.Files.readString(log));
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpRequest post(String key, String valueJson) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/config"))
        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\",\"value\":" + valueJson + "}")).build();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor();
    }
  }
}
