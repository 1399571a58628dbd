import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Benchmark loader, run as a single-file program: writes PREFIX/key-000000 .. COUNT-1 with string values of
 * VALUE_BYTES, then with "read" GETs each once (so the service's cache holds them all). CONCURRENCY threads
 * each keep one HTTP/1.1 keep-alive connection and take the next key from a shared counter, so every key is
 * sent exactly once; every answer is checked and the exit status is 1 if any failed. Plain sockets because
 * java.net.http manages only a few thousand requests a second, too slow for 100,000 keys.
 *
 * <p>java Loader.java http://127.0.0.1:28080 bench 1000 100 32 [read]
 */
public class Loader {
  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      System.err.println("usage: java Loader.java BASE_URL PREFIX COUNT VALUE_BYTES CONCURRENCY [read]");
      System.exit(2);
    }
    URI base = URI.create(args[0]);
    String prefix = args[1];
    int count = Integer.parseInt(args[2]);
    String pad = "x".repeat(Integer.parseInt(args[3]));
    int concurrency = Integer.parseInt(args[4]);
    boolean read = args.length > 5 && args[5].equals("read");

    boolean ok = run("wrote", base, count, concurrency, i -> {
      byte[] body = ("{\"key\":\"" + key(prefix, i) + "\",\"value\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8);
      String head = "POST /config HTTP/1.1\r\nHost: " + base.getAuthority() + "\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n";
      return concat(head.getBytes(StandardCharsets.US_ASCII), body);
    }, 200, 201);
    if (ok && read) {
      ok = run("read", base, count, concurrency, i -> ("GET /config/" + key(prefix, i) + " HTTP/1.1\r\nHost: " + base.getAuthority()
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), 200, 200);
    }
    System.exit(ok ? 0 : 1);
  }

  static String key(String prefix, int i) {
    return String.format("%s/key-%06d", prefix, i);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  interface RequestFor {
    byte[] build(int i);
  }

  static boolean run(String what, URI base, int count, int concurrency, RequestFor factory, int okA, int okB) throws InterruptedException {
    long t0 = System.nanoTime();
    AtomicInteger next = new AtomicInteger();
    AtomicLong failures = new AtomicLong();
    AtomicReference<String> first = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      Thread w = new Thread(() -> {
        Socket socket = null;
        InputStream in = null;
        int i;
        while ((i = next.getAndIncrement()) < count) {
          try {
            if (socket == null) {
              socket = new Socket();
              socket.setTcpNoDelay(true);
              socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
              socket.setSoTimeout(30_000);
              in = new BufferedInputStream(socket.getInputStream(), 65536);
            }
            int status = exchange(socket, in, factory.build(i));
            if (status != okA && status != okB) {
              failures.incrementAndGet();
              first.compareAndSet(null, "key " + i + ": HTTP " + status);
            }
          } catch (IOException e) {
            failures.incrementAndGet();
            first.compareAndSet(null, "key " + i + ": " + e);
            close(socket);
            socket = null;
          }
        }
        close(socket);
      });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
    long ms = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
    System.out.printf("%s %d keys in %d ms (%.0f/s), %d failures%n", what, count, ms, count * 1000.0 / ms, failures.get());
    if (failures.get() > 0) {
      System.err.println("first failure: " + first.get());
    }
    return failures.get() == 0;
  }

  /** Sends one request and reads one response on a keep-alive connection; returns the status code. */
  static int exchange(Socket socket, InputStream in, byte[] request) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(request);
    out.flush();
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    long length = -1;
    String header;
    while (!(header = line(in)).isEmpty()) {
      int colon = header.indexOf(':');
      if (colon > 0 && header.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        length = Long.parseLong(header.substring(colon + 1).trim());
      }
    }
    if (length < 0) {
      throw new IOException("response without content-length: " + statusLine);
    }
    in.skipNBytes(length);
    return status;
  }

  static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int n = sb.length();
        return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
      }
      sb.append((char) c);
    }
    throw new IOException("connection closed mid-response");
  }

  static void close(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // nothing to do: the connection is being discarded
      }
    }
  }
}
