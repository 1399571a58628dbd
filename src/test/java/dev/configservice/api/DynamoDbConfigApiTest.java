package dev.configservice.api;

import dev.configservice.dynalite.Dynalite;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * The whole HTTP API on STORE=dynamodb, against dynalite (a real DynamoDB protocol server) on a free loopback
 * port. The cache TTL stays at its DynamoDB default, so reads also exercise expiry and store fall-through.
 */
class DynamoDbConfigApiTest extends ConfigApiContract {

  private Dynalite dynalite;

  @Override
  protected Map<String, String> storeSettings() {
    dynalite = Dynalite.startInMemory();
    return Map.of("STORE", "dynamodb", "DYNAMODB_ENDPOINT", dynalite.endpoint().toString(), "CREATE_TABLE", "true",
        "DYNAMODB_TABLE", "config-api-test", "AWS_REGION", "us-east-1", "CACHE_TTL", "200ms");
  }

  @AfterAll
  void stopDynalite() {
    if (dynalite != null) {
      dynalite.close();
    }
  }
}
