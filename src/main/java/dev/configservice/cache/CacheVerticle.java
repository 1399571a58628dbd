package dev.configservice.cache;

import dev.configservice.domain.ConfigChanged;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * Keeps the cache up to date with every change published on the event bus, including changes made by other
 * instances when the event bus is clustered: a key the cache holds gets the new version, one it does not hold is
 * left to its next read. Writers on this instance also apply their own change to the cache before answering, so
 * a client always reads its own completed writes here.
 */
public final class CacheVerticle extends VerticleBase {

  private final ConfigCache cache;

  public CacheVerticle(ConfigCache cache) {
    this.cache = cache;
  }

  @Override
  public Future<?> start() {
    MessageConsumer<ConfigChanged> consumer = vertx.eventBus()
        .consumer(ConfigChanged.ADDRESS, message -> cache.applyChange(message.body().entry()));
    return consumer.completion();
  }
}
