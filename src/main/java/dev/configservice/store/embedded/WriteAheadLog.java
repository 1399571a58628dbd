package dev.configservice.store.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The embedded store's write-ahead log: a write is durable once its record is in the log and the log is forced
 * to disk; the MVStore file catches up in the background (a checkpoint), after which the log segments it covers
 * are recycled.
 *
 * <p>The log is a run of numbered segment files ({@code wal-<id>.log}), each preallocated and zero-filled, so
 * that forcing a write only flushes data blocks (an append that grows a file also has to flush its size).
 * A record is {@code [length:4][crc:4][payload]}; the CRC-32C covers the segment's id and the payload, so a
 * recycled segment's old records, a torn write at the tail or the zeroes after the last record all end the log.
 * A segment left for the next one ends with a seal, an empty record ({@code length} 0, CRC of the id alone),
 * forced before anything in the next segment is acknowledged. Recovery replays records in order up to the
 * first that does not check, going on to the next segment only past a seal, and discards everything after:
 * only records that were fully forced were ever acknowledged, and they form a prefix of the log.
 *
 * <p>Appends and rotation belong to the store's writer thread; {@link #force} may run on another thread (the
 * syncer); {@link #retire} and spare preparation on a third (the checkpointer). Segments are retired only once
 * the caller knows no force of them is pending.
 */
final class WriteAheadLog implements AutoCloseable {

  static final int DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024;
  static final int RECORD_HEADER = 8;
  /** Spare segments kept: a checkpoint retires up to CHECKPOINT_SEGMENTS of them, and the next ones take them. */
  private static final int MAX_SPARES = MvStoreConfigStore.CHECKPOINT_SEGMENTS + 1;
  private static final Pattern SEGMENT = Pattern.compile("wal-(\\d{19})\\.log");
  private static final Pattern SPARE = Pattern.compile("spare-(\\d+)\\.log");
  private static final ByteBuffer ZEROES = ByteBuffer.allocateDirect(1024 * 1024).asReadOnlyBuffer();

  private final Path dir;
  private final int segmentBytes;
  private final ConcurrentLinkedDeque<Segment> live = new ConcurrentLinkedDeque<>();
  private final ConcurrentLinkedDeque<Path> spares = new ConcurrentLinkedDeque<>();
  private final AtomicLong spareCounter = new AtomicLong();
  private final CRC32C crc = new CRC32C();
  private Segment active;

  /** One segment file; its position is only touched by the writer thread. */
  static final class Segment {
    final long id;
    final Path path;
    final FileChannel channel;
    final long capacity;
    long position;

    private Segment(long id, Path path, FileChannel channel, long capacity) {
      this.id = id;
      this.path = path;
      this.channel = channel;
      this.capacity = capacity;
    }
  }

  private WriteAheadLog(Path dir, int segmentBytes) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  /**
   * Replays the records of segments numbered {@code from} and above, in order, up to the end of the log, and
   * returns the id the next segment must take (above every segment found, and at least {@code from}).
   */
  static long replay(Path dir, long from, Consumer<ByteBuffer> apply) throws IOException {
    Files.createDirectories(dir);
    long next = from;
    boolean ended = false;
    for (long id : segmentIds(dir)) {
      next = Math.max(next, id + 1);
      if (id < from || ended) {
        continue; // covered by the checkpoint, or after the end of the log: never acknowledged
      }
      ended = !replaySegment(dir.resolve(segmentName(id)), id, apply);
    }
    return next;
  }

  /**
   * Starts a log whose first segment is {@code firstId}; every existing segment must already be covered by a
   * checkpoint (they are recycled as spares).
   */
  static WriteAheadLog start(Path dir, long firstId, int segmentBytes) throws IOException {
    WriteAheadLog log = new WriteAheadLog(dir, segmentBytes);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        Matcher spare = SPARE.matcher(name);
        if (spare.matches()) {
          log.spareCounter.accumulateAndGet(Long.parseLong(spare.group(1)) + 1, Math::max);
          log.keepOrDelete(p);
        }
      }
    }
    for (long id : segmentIds(dir)) {
      log.recycle(dir.resolve(segmentName(id)));
    }
    log.active = log.open(firstId, 0);
    return log;
  }

  /** The segment the next append goes to. */
  long activeId() {
    return active.id;
  }

  /**
   * Appends a batch of records, laid out as {@link #frame} left them (CRC not yet filled in), to the active
   * segment, moving to new segments as they fill; returns the segments written, for {@link #force}.
   */
  List<Segment> append(ByteBuffer batch) throws IOException {
    List<Segment> touched = new ArrayList<>(1);
    int start = batch.position();
    int end = batch.limit();
    while (start < end) {
      // Take as many whole records as fit in the active segment.
      int stop = start;
      while (stop < end) {
        int length = batch.getInt(stop);
        // RECORD_HEADER more stays free for the seal.
        if (active.position + (stop - start) + 2L * RECORD_HEADER + length > active.capacity) {
          break;
        }
        seal(batch, stop, length, active.id);
        stop += RECORD_HEADER + length;
      }
      if (stop > start) {
        ByteBuffer slice = batch.duplicate().limit(stop).position(start);
        while (slice.hasRemaining()) {
          active.position += active.channel.write(slice, active.position);
        }
        if (touched.isEmpty() || touched.get(touched.size() - 1) != active) {
          touched.add(active);
        }
        start = stop;
      }
      if (start < end) {
        int needed = 2 * RECORD_HEADER + batch.getInt(start);
        Segment full = active;
        moveTo(open(full.id + 1, needed));
        if (touched.isEmpty() || touched.get(touched.size() - 1) != full) {
          touched.add(full);
        }
      }
    }
    return touched;
  }

  /** Moves appends to a new segment now (before a checkpoint), if the active one holds anything. */
  void rotate() throws IOException {
    if (active.position > 0) {
      Segment full = active;
      moveTo(open(full.id + 1, 0));
      force(full);
    }
  }

  /**
   * Seals the active segment and makes {@code next} (already created, so a full disk fails before anything
   * changed) the active one. Never a seal without a next segment: records appended after a seal would be lost.
   */
  private void moveTo(Segment next) throws IOException {
    try {
      sealActive();
    } catch (IOException | RuntimeException e) {
      live.remove(next);
      next.channel.close();
      throw e;
    }
    active = next;
  }

  /** Writes the seal that lets recovery go on to the next segment. */
  private void sealActive() throws IOException {
    ByteBuffer seal = ByteBuffer.allocate(RECORD_HEADER).putInt(0, 0).putInt(4, sealCrc(active.id));
    while (seal.hasRemaining()) {
      active.position += active.channel.write(seal, active.position);
    }
  }

  private static int sealCrc(long segmentId) {
    CRC32C c = new CRC32C();
    c.update(ByteBuffer.allocate(8).putLong(0, segmentId));
    return (int) c.getValue();
  }

  /** Forces a segment's data to disk. */
  static void force(Segment segment) throws IOException {
    segment.channel.force(false);
  }

  /** Closes the segments numbered below {@code id}, which a checkpoint now covers, and recycles their files. */
  void retire(long id) throws IOException {
    for (Segment s = live.peekFirst(); s != null && s.id < id; s = live.peekFirst()) {
      live.pollFirst();
      s.channel.close();
      recycle(s.path);
    }
  }

  /** Makes sure a zero-filled spare segment is ready, so that rotation does not wait for one. */
  void prepareSpare() throws IOException {
    if (spares.isEmpty()) {
      spares.add(zeroFilled(dir.resolve("spare-" + spareCounter.getAndIncrement() + ".log"), segmentBytes));
    }
  }

  /** Frames one record into {@code batch}: header (CRC filled in at append time) and payload. */
  static void frame(ByteBuffer batch, int payloadLength) {
    batch.putInt(payloadLength).putInt(0);
  }

  @Override
  public void close() throws IOException {
    for (Segment s : live) {
      s.channel.close();
    }
  }

  /** Every segment file, closed or not (for tests and diagnostics). */
  static List<Long> segmentIds(Path dir) throws IOException {
    List<Long> ids = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(p -> {
        Matcher m = SEGMENT.matcher(p.getFileName().toString());
        if (m.matches()) {
          ids.add(Long.parseLong(m.group(1)));
        }
      });
    }
    ids.sort(null);
    return ids;
  }

  private void seal(ByteBuffer batch, int at, int length, long segmentId) {
    crc.reset();
    crc.update(ByteBuffer.allocate(8).putLong(0, segmentId));
    crc.update(batch.duplicate().limit(at + RECORD_HEADER + length).position(at + RECORD_HEADER));
    batch.putInt(at + 4, (int) crc.getValue());
  }

  /** Opens segment {@code id} from a spare (or a new zero-filled file) and makes its name durable. */
  private Segment open(long id, int atLeast) throws IOException {
    long capacity = Math.max(segmentBytes, atLeast);
    Path path = dir.resolve(segmentName(id));
    Path spare = capacity == segmentBytes ? spares.pollFirst() : null;
    if (spare != null) {
      Files.move(spare, path, StandardCopyOption.ATOMIC_MOVE);
    } else {
      zeroFilled(path, capacity);
    }
    forceDirectory();
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    Segment segment = new Segment(id, path, channel, channel.size());
    live.addLast(segment);
    return segment;
  }

  private void recycle(Path path) throws IOException {
    if (Files.size(path) == segmentBytes && spares.size() < MAX_SPARES) {
      Path spare = dir.resolve("spare-" + spareCounter.getAndIncrement() + ".log");
      Files.move(path, spare, StandardCopyOption.ATOMIC_MOVE);
      spares.add(spare);
    } else {
      Files.delete(path);
    }
  }

  private void keepOrDelete(Path spare) throws IOException {
    if (Files.size(spare) == segmentBytes && spares.size() < MAX_SPARES) {
      spares.add(spare);
    } else {
      Files.delete(spare);
    }
  }

  private static Path zeroFilled(Path path, long bytes) throws IOException {
    Path partial = path.resolveSibling(path.getFileName() + ".partial");
    try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      long written = 0;
      while (written < bytes) {
        ByteBuffer chunk = ZEROES.duplicate();
        chunk.limit((int) Math.min(chunk.capacity(), bytes - written));
        written += channel.write(chunk, written);
      }
      channel.force(true);
    }
    Files.move(partial, path, StandardCopyOption.ATOMIC_MOVE);
    return path;
  }

  private void forceDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("could not force the log directory " + dir, e);
    }
  }

  /** Replays one segment; true if it ends with a seal (the log goes on in the next one). */
  private static boolean replaySegment(Path path, long id, Consumer<ByteBuffer> apply) throws IOException {
    byte[] all = Files.readAllBytes(path);
    ByteBuffer buffer = ByteBuffer.wrap(all);
    CRC32C check = new CRC32C();
    int at = 0;
    while (at + RECORD_HEADER <= all.length) {
      int length = buffer.getInt(at);
      int crc = buffer.getInt(at + 4);
      if (length == 0 && crc == sealCrc(id)) {
        return true;
      }
      if (length <= 0 || length > all.length - at - RECORD_HEADER) {
        return false;
      }
      check.reset();
      check.update(ByteBuffer.allocate(8).putLong(0, id));
      check.update(all, at + RECORD_HEADER, length);
      if ((int) check.getValue() != crc) {
        return false;
      }
      apply.accept(ByteBuffer.wrap(all, at + RECORD_HEADER, length).slice());
      at += RECORD_HEADER + length;
    }
    return false;
  }

  static String segmentName(long id) {
    return String.format("wal-%019d.log", id);
  }
}
