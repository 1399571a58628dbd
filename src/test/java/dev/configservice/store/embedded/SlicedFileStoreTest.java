package dev.configservice.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Random;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunks written in slices make the same file: an MVStore commit of several slices' worth of pages through
 * {@link SlicedFileStore}, read back by a plain MVStore. And the store keeps one chunk buffer as large as its chunks
 * need (within its limit), so checkpoints stop allocating new multi-MiB buffers, with the same file as a result.
 */
class SlicedFileStoreTest {

  @TempDir
  Path tmp;

  @Test
  void aChunkLargerThanASliceReadsBackWhole() {
    String file = tmp.resolve("sliced.mv.db").toString();
    byte[][] values = new byte[8][];
    Random random = new Random(7);
    for (int i = 0; i < values.length; i++) {
      values[i] = new byte[SlicedFileStore.SLICE_BYTES / 2 + i * 1000];
      random.nextBytes(values[i]);
    }
    SlicedFileStore sliced = new SlicedFileStore(new HashMap<>());
    sliced.open(file, false, (char[]) null);
    try (MVStore store = new MVStore.Builder().adoptFileStore(sliced).autoCommitDisabled().open()) {
      MVMap<Integer, byte[]> map = store.openMap("m");
      for (int i = 0; i < values.length; i++) {
        map.put(i, values[i]);
      }
      store.commit(); // one chunk of ~1 MiB: four slices
    }
    try (MVStore plain = new MVStore.Builder().fileName(file).readOnly().open()) {
      MVMap<Integer, byte[]> map = plain.openMap("m");
      for (int i = 0; i < values.length; i++) {
        assertThat(map.get(i)).isEqualTo(values[i]);
      }
    }
  }

  @Test
  void keepsOneBufferAsLargeAsTheChunksNeedAndNoLarger() {
    int mib = 1024 * 1024;
    SlicedFileStore store = new SlicedFileStore(new HashMap<>(), 4 * mib);
    WriteBuffer first = store.getWriteBuffer();
    assertThat(first.capacity()).isEqualTo(SlicedFileStore.FIRST_BUFFER_BYTES);
    first.put(new byte[2 * mib + mib / 2]); // a chunk of 2.5 MiB grows it
    store.releaseWriteBuffer(first);
    assertThat(store.bufferBytes()).isEqualTo(first.capacity()).isGreaterThanOrEqualTo(2 * mib + mib / 2);

    WriteBuffer sized = store.getWriteBuffer();
    assertThat(sized).isNotSameAs(first);
    assertThat(sized.capacity()).isEqualTo(store.bufferBytes());
    sized.put(new byte[2 * mib]);
    store.releaseWriteBuffer(sized);
    WriteBuffer again = store.getWriteBuffer();
    assertThat(again).as("the next checkpoint gets the same buffer, emptied").isSameAs(sized);
    assertThat(again.position()).isZero();
    assertThat(again.capacity()).isEqualTo(store.bufferBytes());

    again.put(new byte[6 * mib]); // beyond the limit: grows for this chunk only
    store.releaseWriteBuffer(again);
    assertThat(store.bufferBytes()).isEqualTo(4 * mib);
    WriteBuffer atLimit = store.getWriteBuffer();
    assertThat(atLimit).isNotSameAs(again);
    assertThat(atLimit.capacity()).isEqualTo(4 * mib);
    atLimit.put(new byte[7 * mib]);
    store.releaseWriteBuffer(atLimit);
    WriteBuffer reused = store.getWriteBuffer();
    assertThat(reused).isSameAs(atLimit);
    assertThat(reused.capacity()).as("the grown array is dropped, the kept one stays at the limit").isEqualTo(4 * mib);

    WriteBuffer second = store.getWriteBuffer(); // while one is out, another checkpoint gets a new one
    assertThat(second).isNotSameAs(reused);
  }

  @Test
  void chunksSerializedIntoAKeptBufferReadBackWhole() {
    String file = tmp.resolve("kept.mv.db").toString();
    Random random = new Random(11);
    byte[][] values = new byte[24][];
    SlicedFileStore sliced = new SlicedFileStore(new HashMap<>(), 8 * 1024 * 1024);
    sliced.open(file, false, (char[]) null);
    try (MVStore store = new MVStore.Builder().adoptFileStore(sliced).autoCommitDisabled().open()) {
      MVMap<Integer, byte[]> map = store.openMap("m");
      // Shrinking chunks: each serialized over the kept buffer's leftovers from a larger one.
      for (int round = 0; round < 4; round++) {
        int size = 200_000 - round * 40_000;
        for (int i = 0; i < values.length - round * 4; i++) {
          values[i] = new byte[size + i];
          random.nextBytes(values[i]);
          map.put(i, values[i]);
        }
        store.commit();
        assertThat(sliced.bufferBytes()).isGreaterThan(SlicedFileStore.FIRST_BUFFER_BYTES);
      }
    }
    try (MVStore plain = new MVStore.Builder().fileName(file).readOnly().open()) {
      MVMap<Integer, byte[]> map = plain.openMap("m");
      for (int i = 0; i < values.length; i++) {
        assertThat(map.get(i)).isEqualTo(values[i]);
      }
    }
  }
}
