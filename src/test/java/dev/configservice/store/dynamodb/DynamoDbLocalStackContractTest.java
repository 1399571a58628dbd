package dev.configservice.store.dynamodb;

import dev.configservice.domain.ConfigStore;
import dev.configservice.store.ConfigStoreContract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The store contract against LocalStack's DynamoDB (which runs DynamoDB Local) in a container, a second and
 * independent implementation of the protocol next to dynalite. Needs a Docker engine; without one JUnit reports the
 * class as skipped ("disabledWithoutDocker is true and Docker is not available").
 */
@Testcontainers(disabledWithoutDocker = true)
class DynamoDbLocalStackContractTest extends ConfigStoreContract {

  @Container
  private static final LocalStackContainer LOCALSTACK =
      new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.4.0"))
          .withServices(LocalStackContainer.Service.DYNAMODB);

  @Override
  protected Future<? extends ConfigStore> newStore(Vertx vertx, int maxVersions) {
    DynamoDbSettings settings = new DynamoDbSettings(TestStores.freshTable(), LOCALSTACK.getRegion(),
        LOCALSTACK.getEndpoint(), true, Duration.ofSeconds(10), Duration.ofSeconds(5), maxVersions);
    return DynamoDbConfigStore.start(vertx, settings, Clock.systemUTC(), new SimpleMeterRegistry(),
        StaticCredentialsProvider.create(AwsBasicCredentials.create(LOCALSTACK.getAccessKey(),
            LOCALSTACK.getSecretKey())));
  }
}
