package dev.configservice.store.embedded;

import dev.configservice.domain.ConfigStore;
import dev.configservice.store.ConfigStoreContract;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

class MvStoreConfigStoreContractTest extends ConfigStoreContract {

  @TempDir
  Path dataDir;

  @Override
  protected Future<? extends ConfigStore> newStore(Vertx vertx, int maxVersions) {
    return MvStoreConfigStore.open(vertx, dataDir, maxVersions, Clock.systemUTC());
  }
}
