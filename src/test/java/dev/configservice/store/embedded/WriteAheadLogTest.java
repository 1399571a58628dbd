package dev.configservice.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log on real files: rotation, replay, torn and stale records, recycling. */
class WriteAheadLogTest {

  private static final int SEGMENT = 4096;

  @TempDir
  Path dir;

  @Test
  void replaysEveryRecordInOrderAcrossSegments() throws IOException {
    WriteAheadLog log = WriteAheadLog.start(dir, 0, SEGMENT);
    List<String> written = new ArrayList<>();
    for (int batch = 0; batch < 40; batch++) {
      List<String> records = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        records.add("batch " + batch + " record " + i + " " + "x".repeat(batch * 3));
      }
      List<WriteAheadLog.Segment> touched = log.append(frame(records));
      touched.forEach(s -> force(s));
      written.addAll(records);
    }
    assertThat(WriteAheadLog.segmentIds(dir)).hasSizeGreaterThan(3);
    log.close();

    assertThat(replayAll(0)).containsExactlyElementsOf(written);
  }

  @Test
  void aRecordLargerThanASegmentGetsASegmentOfItsOwn() throws IOException {
    WriteAheadLog log = WriteAheadLog.start(dir, 0, SEGMENT);
    String big = "b".repeat(3 * SEGMENT);
    log.append(frame(List.of("small", big, "after")));
    log.close();

    assertThat(replayAll(0)).containsExactly("small", big, "after");
  }

  @Test
  void aTornTailEndsTheLogAndLaterSegmentsAreDiscarded() throws IOException {
    WriteAheadLog log = WriteAheadLog.start(dir, 0, SEGMENT);
    log.append(frame(List.of("one", "two", "three")));
    log.rotate();
    log.append(frame(List.of("four", "five")));
    log.rotate();
    log.append(frame(List.of("six")));
    log.close();
    // Corrupt "five" (a write torn by a crash): replay stops after "four", and "six" is not applied.
    Path second = dir.resolve(WriteAheadLog.segmentName(1));
    byte[] bytes = Files.readAllBytes(second);
    int five = WriteAheadLog.RECORD_HEADER + "four".length() + WriteAheadLog.RECORD_HEADER;
    bytes[five] ^= 0x5a;
    Files.write(second, bytes);

    assertThat(replayAll(0)).containsExactly("one", "two", "three", "four");
  }

  @Test
  void aSegmentWithoutItsSealEndsTheLog() throws IOException {
    WriteAheadLog log = WriteAheadLog.start(dir, 0, SEGMENT);
    log.append(frame(List.of("one")));
    log.rotate();
    log.append(frame(List.of("two")));
    log.close();
    // Wipe the seal of segment 0, as if the machine died before it reached the disk.
    try (FileChannel c = FileChannel.open(dir.resolve(WriteAheadLog.segmentName(0)), StandardOpenOption.WRITE)) {
      c.write(ByteBuffer.allocate(WriteAheadLog.RECORD_HEADER), WriteAheadLog.RECORD_HEADER + "one".length());
    }

    assertThat(replayAll(0)).containsExactly("one");
  }

  @Test
  void replayStartsAtTheCheckpointedSegmentAndRecycledSegmentsReplayNothingStale() throws IOException {
    WriteAheadLog log = WriteAheadLog.start(dir, 0, SEGMENT);
    List<String> old = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      old.add("old record " + i + " " + "o".repeat(100));
    }
    log.append(frame(old));
    long from = log.activeId() + 1;
    log.rotate();
    log.retire(from); // a checkpoint covers every segment below 'from'; their files become spares
    log.append(frame(List.of("new one", "new two")));
    log.close();
    assertThat(replayAll(from)).containsExactly("new one", "new two");

    // A restart recycles everything; the recycled files still hold old bytes, which must not replay.
    long next = WriteAheadLog.replay(dir, from, r -> { });
    WriteAheadLog again = WriteAheadLog.start(dir, next, SEGMENT);
    again.prepareSpare();
    again.append(frame(List.of("after restart")));
    again.close();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith("spare-"))).isNotEmpty();
    }
    assertThat(replayAll(next)).containsExactly("after restart");
  }

  @Test
  void anEmptyDirectoryReplaysNothing() throws IOException {
    assertThat(WriteAheadLog.replay(dir.resolve("fresh"), 7, r -> { })).isEqualTo(7);
  }

  private List<String> replayAll(long from) throws IOException {
    List<String> seen = new ArrayList<>();
    WriteAheadLog.replay(dir, from, r -> seen.add(StandardCharsets.UTF_8.decode(r).toString()));
    return seen;
  }

  private static ByteBuffer frame(List<String> records) {
    ByteBuffer batch = ByteBuffer.allocate(records.stream().mapToInt(r -> r.length() * 4 + 16).sum());
    for (String r : records) {
      byte[] payload = r.getBytes(StandardCharsets.UTF_8);
      WriteAheadLog.frame(batch, payload.length);
      batch.put(payload);
    }
    return batch.flip();
  }

  private static void force(WriteAheadLog.Segment s) {
    try {
      WriteAheadLog.force(s);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
