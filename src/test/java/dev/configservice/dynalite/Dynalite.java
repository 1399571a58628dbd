package dev.configservice.dynalite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A dynalite process (a DynamoDB protocol server on Node.js) for tests: in memory by default, or on disk under a
 * directory so that data survives a {@link #restart()}. It listens on 127.0.0.1 on a free port that stays the same
 * across restarts, so a client keeps its endpoint.
 *
 * <p>{@code mvn verify} installs dynalite with npm into {@code target/dynalite} and passes that directory as the
 * system property {@code dynalite.home}. Node.js must be on the PATH: without it the tests fail with that message
 * rather than being skipped.
 */
public final class Dynalite implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  /** dynalite-run.js, a test resource: runs dynalite's command line so that an abandoned request does not stop it. */
  private static final Path WRAPPER = wrapper();

  private final Path cli;
  private final Path dataDir;
  private final int port;
  private final Path log;
  private Process process;
  private boolean paused;

  private Dynalite(Path cli, Path dataDir, int port, Path log) {
    this.cli = cli;
    this.dataDir = dataDir;
    this.port = port;
    this.log = log;
  }

  /** Starts an in-memory dynalite. */
  public static Dynalite startInMemory() {
    return start(null);
  }

  /** Starts a dynalite that keeps its data under {@code dataDir} (survives {@link #restart()}). */
  public static Dynalite startOnDisk(Path dataDir) {
    return start(dataDir);
  }

  private static Dynalite start(Path dataDir) {
    requireNode();
    Path home = Path.of(System.getProperty("dynalite.home",
        System.getProperty("project.build.directory", "target") + "/dynalite"));
    Path cli = home.resolve("node_modules/dynalite/cli.js");
    if (!Files.isRegularFile(cli)) {
      throw new IllegalStateException("dynalite is not installed at " + cli + ": run the tests through Maven "
          + "(mvn verify installs it with npm in generate-test-resources) or run: npm install --prefix " + home
          + " dynalite@4.0.0");
    }
    int port = freePort();
    Path log;
    try {
      Path logs = Path.of(System.getProperty("project.build.directory", "target"), "dynalite-logs");
      Files.createDirectories(logs);
      log = Files.createTempFile(logs, "dynalite-" + port + "-", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Dynalite dynalite = new Dynalite(cli, dataDir, port, log);
    dynalite.launch();
    // a test JVM that ends without stop() (a crash, a timeout) must not leave node running
    Runtime.getRuntime().addShutdownHook(new Thread(dynalite::kill, "dynalite-" + port + "-stop"));
    return dynalite;
  }

  private static Path wrapper() {
    URL url = Dynalite.class.getResource("/dynalite/dynalite-run.js");
    if (url == null) {
      throw new IllegalStateException("dynalite/dynalite-run.js is not on the test class path");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot read " + url + " as a file", e);
    }
  }

  public int port() {
    return port;
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Freezes the server (SIGSTOP): its connections stay open and every request hangs, as when a store stops
   * answering without refusing anything.
   */
  public synchronized void pause() {
    signal("STOP");
    paused = true;
  }

  /** Lets a paused server run again (SIGCONT); the requests it holds are then answered. */
  public synchronized void resume() {
    signal("CONT");
    paused = false;
  }

  private void signal(String name) {
    if (process == null) {
      throw new IllegalStateException("dynalite is not running");
    }
    List<Long> pids = new ArrayList<>();
    pids.add(process.pid());
    process.descendants().forEach(h -> pids.add(h.pid()));
    for (long pid : pids) {
      try {
        int exit = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor();
        if (exit != 0) {
          throw new IllegalStateException("kill -" + name + " " + pid + " exited with " + exit);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while signalling dynalite", e);
      }
    }
  }

  /** Stops the server (and any child process) and waits until it is gone and the port is closed. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    if (paused) {
      resume(); // a stopped process would not act on SIGTERM
    }
    Process stopping = process;
    process = null;
    List<ProcessHandle> family = new ArrayList<>(stopping.descendants().toList());
    family.forEach(ProcessHandle::destroy);
    stopping.destroy();
    try {
      if (!stopping.waitFor(10, TimeUnit.SECONDS)) {
        family.forEach(ProcessHandle::destroyForcibly);
        stopping.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping dynalite", e);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (answers() && System.nanoTime() < deadline) {
      sleep(20);
    }
  }

  private void kill() {
    Process running = process;
    if (running != null) {
      running.descendants().forEach(ProcessHandle::destroyForcibly);
      running.destroyForcibly();
    }
  }

  /** Starts the server again on the same port (with the same data when it is on disk). */
  public synchronized void restart() {
    stop();
    launch();
  }

  @Override
  public void close() {
    stop();
  }

  private synchronized void launch() {
    // Through the wrapper that keeps dynalite serving when a client abandons a request (dynalite alone exits).
    List<String> command = new ArrayList<>(List.of("node", WRAPPER.toString(), cli.toString(), "--host", "127.0.0.1",
        "--port", Integer.toString(port), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"));
    if (Boolean.getBoolean("dynalite.debug")) {
      command.add("--debug"); // logs every request with its headers and body
    }
    if (dataDir != null) {
      command.add("--path");
      command.add(dataDir.toString());
    }
    try {
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("could not start dynalite with " + command, e);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!answers()) {
      if (!process.isAlive()) {
        throw new IllegalStateException("dynalite exited with " + process.exitValue() + ": " + logText());
      }
      if (System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException("dynalite did not listen on port " + port + " within " + START_TIMEOUT
            + ": " + logText());
      }
      sleep(25);
    }
  }

  private boolean answers() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static void requireNode() {
    try {
      Process probe = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      String version = new String(probe.getInputStream().readAllBytes()).trim();
      if (!probe.waitFor(10, TimeUnit.SECONDS) || probe.exitValue() != 0) {
        throw new IllegalStateException("'node --version' failed: " + version);
      }
    } catch (IOException e) {
      throw new IllegalStateException("Node.js is not on the PATH: the DynamoDB store tests run dynalite on Node.js "
          + "18 or later; install Node.js and npm", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while probing for node", e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
