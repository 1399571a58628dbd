package dev.configservice.cache;

import dev.configservice.domain.ConfigChanged;
import dev.configservice.domain.ConfigEntry;
import dev.configservice.domain.ConfigKey;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Carries {@link ConfigChanged} on the event bus: as the object itself within the process, and as
 * {@code version, millis, key, value-or-empty} when the event bus is clustered.
 */
public final class ConfigChangedCodec implements MessageCodec<ConfigChanged, ConfigChanged> {

  @Override
  public void encodeToWire(Buffer buffer, ConfigChanged event) {
    ConfigEntry e = event.entry();
    byte[] key = e.key().value().getBytes(StandardCharsets.UTF_8);
    byte[] value = e.deleted() ? new byte[0] : e.valueJson().getBytes(StandardCharsets.UTF_8);
    buffer.appendLong(e.version()).appendLong(e.updatedAt().toEpochMilli()).appendByte((byte) (e.deleted() ? 1 : 0))
        .appendInt(key.length).appendBytes(key).appendInt(value.length).appendBytes(value);
  }

  @Override
  public ConfigChanged decodeFromWire(int pos, Buffer buffer) {
    long version = buffer.getLong(pos);
    Instant at = Instant.ofEpochMilli(buffer.getLong(pos + 8));
    boolean deleted = buffer.getByte(pos + 16) == 1;
    int keyLength = buffer.getInt(pos + 17);
    ConfigKey key = ConfigKey.of(buffer.getString(pos + 21, pos + 21 + keyLength, "UTF-8"));
    int valueStart = pos + 21 + keyLength;
    int valueLength = buffer.getInt(valueStart);
    if (deleted) {
      return new ConfigChanged(ConfigEntry.tombstone(key, version, at));
    }
    String value = buffer.getString(valueStart + 4, valueStart + 4 + valueLength, "UTF-8");
    return new ConfigChanged(ConfigEntry.value(key, version, value, at));
  }

  @Override
  public ConfigChanged transform(ConfigChanged event) {
    return event;
  }

  @Override
  public String name() {
    return "config-changed";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
