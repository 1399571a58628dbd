package dev.configservice.store.dynamodb;

import dev.configservice.domain.ConfigStore;
import dev.configservice.dynalite.Dynalite;
import dev.configservice.store.ConfigStoreContract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract against dynalite, a DynamoDB protocol server, one fresh table per test.
 *
 * <p>This also proves that the SDK's Netty HTTP client, on its own {@code SdkEventLoopGroup}, runs on the Netty
 * 4.2.9 jars that Vert.x 5.0.7 brings (the enforcer pins one Netty for both): every call here goes through it.
 */
class DynamoDbConfigStoreContractTest extends ConfigStoreContract {

  private static Dynalite dynalite;

  @BeforeAll
  static void startDynalite() {
    dynalite = Dynalite.startInMemory();
  }

  @AfterAll
  static void stopDynalite() {
    if (dynalite != null) {
      dynalite.stop();
    }
  }

  @Override
  protected Future<? extends ConfigStore> newStore(Vertx vertx, int maxVersions) {
    return TestStores.open(vertx, dynalite, maxVersions, new SimpleMeterRegistry());
  }
}
