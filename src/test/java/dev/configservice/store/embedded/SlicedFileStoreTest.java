package dev.configservice.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Random;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunks written in slices make the same file: an MVStore commit of several slices' worth of pages through
 * {@link SlicedFileStore}, read back by a plain MVStore.
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
}
