package dev.configservice.store.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.configservice.domain.ConfigKey;
import dev.configservice.domain.InvalidCursorException;
import dev.configservice.domain.PreconditionFailedException;
import dev.configservice.domain.Precondition;
import dev.configservice.domain.StoreTimeoutException;
import dev.configservice.domain.StoreUnavailableException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.metrics.CoreMetric;
import software.amazon.awssdk.metrics.MetricCollector;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/** The small parts of the DynamoDB store on their own: failure mapping, cursors, settings, the retry counter. */
class DynamoDbUnitsTest {

  @Test
  void failuresMapToTheDomainsExceptions() {
    assertThat(DynamoDbErrors.map(new CompletionException(ProvisionedThroughputExceededException.builder()
        .message("slow down").build()), "PutItem"))
        .isInstanceOfSatisfying(StoreUnavailableException.class, e -> assertThat(e.throttled()).isTrue());
    assertThat(DynamoDbErrors.map(RequestLimitExceededException.builder().message("account limit").build(), "Query"))
        .isInstanceOfSatisfying(StoreUnavailableException.class, e -> assertThat(e.throttled()).isTrue());
    assertThat(DynamoDbErrors.map(ApiCallTimeoutException.create(2000), "GetItem"))
        .isInstanceOf(StoreTimeoutException.class);
    assertThat(DynamoDbErrors.map(ResourceNotFoundException.builder().message("no table").build(), "GetItem"))
        .isInstanceOfSatisfying(StoreUnavailableException.class, e -> assertThat(e.throttled()).isFalse());
    assertThat(DynamoDbErrors.map(AbortedException.create("closing"), "GetItem"))
        .isInstanceOf(StoreUnavailableException.class);
    assertThat(DynamoDbErrors.map(SdkClientException.create("Connection refused"), "GetItem"))
        .isInstanceOf(StoreUnavailableException.class);
    assertThat(DynamoDbErrors.map(DynamoDbException.builder().statusCode(400)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDeniedException").build()).build(), "GetItem"))
        .isInstanceOf(StoreUnavailableException.class);
    PreconditionFailedException domain = new PreconditionFailedException(ConfigKey.of("k"), Precondition.ABSENT, 3);
    assertThat(DynamoDbErrors.map(new CompletionException(domain), "UpdateItem")).isSameAs(domain);
    // a request this store got wrong is a bug, reported as it is
    DynamoDbException validation = (DynamoDbException) DynamoDbException.builder().statusCode(400)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ValidationException").build()).build();
    assertThat(DynamoDbErrors.map(validation, "Query")).isSameAs(validation);
  }

  @Test
  void cursorsRoundTripAndRefuseOtherListings() {
    ConfigKey key = ConfigKey.of("a/b");
    assertThat(Cursors.decodeList(Cursors.listCursor("a/", "a/x"), "a/")).isEqualTo("a/x");
    assertThat(Cursors.decodeHistory(Cursors.historyCursor(key, 42), key)).isEqualTo(42);

    assertThatThrownBy(() -> Cursors.decodeList(Cursors.listCursor("a/", "a/x"), "b/"))
        .isInstanceOf(InvalidCursorException.class);
    assertThatThrownBy(() -> Cursors.decodeHistory(Cursors.historyCursor(key, 4), ConfigKey.of("a/c")))
        .isInstanceOf(InvalidCursorException.class);
    assertThatThrownBy(() -> Cursors.decodeHistory(Cursors.listCursor("a/", "a/x"), key))
        .isInstanceOf(InvalidCursorException.class);
    assertThatThrownBy(() -> Cursors.decodeList("", "")).isInstanceOf(InvalidCursorException.class);
    assertThatThrownBy(() -> Cursors.decodeList("%%%", "")).isInstanceOf(InvalidCursorException.class);
    assertThatThrownBy(() -> Cursors.decodeHistory(forge("v1|h|a/b|0"), key))
        .isInstanceOf(InvalidCursorException.class);
    assertThatThrownBy(() -> Cursors.decodeHistory(forge("v1|h|a/b|x"), key))
        .isInstanceOf(InvalidCursorException.class);
    // a well-formed token whose last key is outside the prefix, or not a key at all
    assertThatThrownBy(() -> Cursors.decodeList(forge("v1|l|a/|b/x"), "a/"))
        .isInstanceOf(InvalidCursorException.class);
    assertThatThrownBy(() -> Cursors.decodeList(forge("v1|l|a/|a//x"), "a/"))
        .isInstanceOf(InvalidCursorException.class);
  }

  @Test
  void settingsRefuseWhatDynamoDbWouldRefuseLater() {
    Duration two = Duration.ofSeconds(2);
    Duration one = Duration.ofSeconds(1);
    assertThat(DynamoDbSettings.of("config-service", "eu-west-1", null, false, 100).apiCallTimeout())
        .isEqualTo(DynamoDbSettings.DEFAULT_API_CALL_TIMEOUT);
    assertThatThrownBy(() -> new DynamoDbSettings("ab", "eu-west-1", null, false, two, one, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DynamoDbSettings("bad table", "eu-west-1", null, false, two, one, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DynamoDbSettings("table", " ", null, false, two, one, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DynamoDbSettings("table", "eu-west-1", null, false, one, two, 1))
        .as("attempt timeout above the call timeout").isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DynamoDbSettings("table", "eu-west-1", null, false, Duration.ZERO, one, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DynamoDbSettings("table", "eu-west-1", null, false, two, Duration.ZERO, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DynamoDbSettings("table", "eu-west-1", null, false, two, one, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DynamoDbSettings("table", "eu-west-1", URI.create("localhost:8000"), false, two,
        one, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theRetryCounterAddsTheSdksRetryCounts() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RetryCountingPublisher publisher = new RetryCountingPublisher(registry);
    MetricCollector call = MetricCollector.create("ApiCall");
    call.reportMetric(CoreMetric.RETRY_COUNT, 2);
    publisher.publish(call.collect());
    MetricCollector clean = MetricCollector.create("ApiCall");
    clean.reportMetric(CoreMetric.RETRY_COUNT, 0);
    publisher.publish(clean.collect());
    publisher.close();

    assertThat(registry.get("config.store.retries").tag("store", "dynamodb").counter().count()).isEqualTo(2.0);
  }

  private static String forge(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
