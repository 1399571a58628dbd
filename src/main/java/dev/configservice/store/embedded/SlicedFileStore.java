package dev.configservice.store.embedded;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.h2.mvstore.SFChunk;
import org.h2.mvstore.SingleFileStore;
import org.h2.mvstore.WriteBuffer;

/**
 * MVStore's file, written in slices of at most 256 KiB, with one chunk buffer kept between checkpoints.
 *
 * <p>Slices: a checkpoint writes one chunk of all the pages changed since the last, several MiB under heavy writes;
 * the JDK copies a heap buffer written to a file into a temporary direct buffer as large as the write, and one
 * larger than {@code jdk.nio.maxCachedBufferSize} (capped at 256 KiB in {@code ConfigServiceMain}) is allocated and
 * freed each time, memory the C allocator then keeps: with chunks of up to ~20 MiB the 100,000-key memory test
 * measured 376 MiB resident against ~365 MiB. Written in slices, every copy goes through the same cached 256 KiB
 * buffer.
 *
 * <p>The chunk buffer: MVStore serializes each chunk into a buffer that starts at 1 MiB and grows by half, and it
 * pools only buffers of up to 4 MiB. Under sustained writes a checkpoint's chunk is 5-15 MiB, so every checkpoint
 * allocated 1, 2, 3, 4.5, 6.75 and 10 MiB arrays, each a humongous allocation for G1 (over half a region) that
 * started a concurrent marking cycle: 40 cycles in 75 s of POST. This store keeps one buffer, sized to the largest
 * chunk it has serialized (up to {@link #keepLimit}, a sixteenth of the maximum heap), and hands it to the next
 * checkpoint. A chunk larger than that still grows a temporary buffer, as before.
 */
final class SlicedFileStore extends SingleFileStore {

  static final int SLICE_BYTES = 256 * 1024;
  /** MVStore's own first size of a chunk buffer. */
  static final int FIRST_BUFFER_BYTES = 1024 * 1024;

  /** The largest buffer kept between checkpoints. */
  private final int keepLimit;
  /** The size the next new buffer gets: the largest chunk serialized so far, within {@link #keepLimit}. */
  private volatile int bufferBytes = FIRST_BUFFER_BYTES;
  private final AtomicReference<SizedBuffer> kept = new AtomicReference<>();

  SlicedFileStore(Map<String, Object> config) {
    this(config, (int) Math.min(64L * 1024 * 1024, Runtime.getRuntime().maxMemory() / 16));
  }

  SlicedFileStore(Map<String, Object> config, int keepLimit) {
    super(config);
    this.keepLimit = Math.max(FIRST_BUFFER_BYTES, keepLimit);
  }

  @Override
  protected void writeFully(SFChunk chunk, long pos, ByteBuffer src) {
    long at = pos;
    while (src.remaining() > SLICE_BYTES) {
      super.writeFully(chunk, at, src.slice(src.position(), SLICE_BYTES));
      src.position(src.position() + SLICE_BYTES);
      at += SLICE_BYTES;
    }
    super.writeFully(chunk, at, src);
  }

  @Override
  public WriteBuffer getWriteBuffer() {
    SizedBuffer buffer = kept.getAndSet(null);
    if (buffer != null && buffer.bytes >= bufferBytes) {
      buffer.clear(); // back to the array it was made with (a grown one is dropped)
      return buffer;
    }
    return new SizedBuffer(bufferBytes);
  }

  /**
   * Called once a chunk is on disk (MVStore no longer refers to the buffer's array): keeps the buffer if it is as
   * large as the chunks need, else learns the size for the next one and lets this one go.
   */
  @Override
  public void releaseWriteBuffer(WriteBuffer buffer) {
    int used = buffer.capacity(); // what this chunk needed, if it grew the buffer
    if (used > bufferBytes && bufferBytes < keepLimit) {
      bufferBytes = Math.min(keepLimit, used);
    }
    if (buffer instanceof SizedBuffer sized && sized.bytes >= bufferBytes) {
      kept.compareAndSet(null, sized);
    }
  }

  /** The size new chunk buffers get now (tests). */
  int bufferBytes() {
    return bufferBytes;
  }

  /** A chunk buffer that remembers the size of the array it was made with (and returns to on {@code clear}). */
  private static final class SizedBuffer extends WriteBuffer {
    final int bytes;

    SizedBuffer(int bytes) {
      super(bytes);
      this.bytes = bytes;
    }
  }
}
