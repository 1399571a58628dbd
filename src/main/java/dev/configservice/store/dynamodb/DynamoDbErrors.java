package dev.configservice.store.dynamodb;

import dev.configservice.domain.ConfigException;
import dev.configservice.domain.StoreTimeoutException;
import dev.configservice.domain.StoreUnavailableException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/** Maps AWS SDK failures to the domain's failures; every SDK failure ends as one of them or a plain bug report. */
final class DynamoDbErrors {

  /** What callers are told to wait before retrying after throttling or an outage. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private DynamoDbErrors() {
  }

  /** Removes the wrappers that {@link java.util.concurrent.CompletableFuture} adds. */
  static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof CompletionException || current instanceof ExecutionException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  /** The domain failure for {@code error} (already unwrapped or not). */
  static Throwable map(Throwable error, String operation) {
    Throwable cause = unwrap(error);
    if (cause instanceof ConfigException) {
      return cause;
    }
    if (isTimeout(cause)) {
      return new StoreTimeoutException("DynamoDB did not answer " + operation + " in time", cause);
    }
    if (isThrottling(cause)) {
      return StoreUnavailableException.throttled("DynamoDB throttled " + operation, RETRY_AFTER, cause);
    }
    if (cause instanceof ResourceNotFoundException) {
      return new StoreUnavailableException("DynamoDB table is missing or not active (" + operation + ")",
          RETRY_AFTER, cause);
    }
    if (cause instanceof AwsServiceException service && service.statusCode() >= 500) {
      return new StoreUnavailableException("DynamoDB failed " + operation + " (HTTP " + service.statusCode() + ")",
          RETRY_AFTER, cause);
    }
    if (cause instanceof AbortedException || cause instanceof CancellationException) {
      return new StoreUnavailableException("DynamoDB call " + operation + " was aborted (store closing?)",
          RETRY_AFTER, cause);
    }
    if (cause instanceof SdkClientException) {
      // connection refused or reset, DNS failure, connection-pool acquisition timeout: the store is unreachable
      return new StoreUnavailableException("DynamoDB unreachable during " + operation + ": " + cause.getMessage(),
          RETRY_AFTER, cause);
    }
    if (cause instanceof AwsServiceException service && service.awsErrorDetails() != null
        && "AccessDeniedException".equals(service.awsErrorDetails().errorCode())) {
      // a policy problem is an outage for this service, not a client error
      return new StoreUnavailableException("DynamoDB refused " + operation + ": access denied", RETRY_AFTER, cause);
    }
    // validation errors and the like are bugs in this store: let them surface as they are
    return cause;
  }

  /** A call or attempt timeout, possibly wrapped by the SDK in the client exception that ended the retries. */
  static boolean isTimeout(Throwable error) {
    for (Throwable current = error; current != null; current = current.getCause()) {
      if (current instanceof ApiCallTimeoutException || current instanceof ApiCallAttemptTimeoutException) {
        return true;
      }
      if (current.getCause() == current) {
        break;
      }
    }
    return false;
  }

  static boolean isThrottling(Throwable cause) {
    if (cause instanceof ProvisionedThroughputExceededException || cause instanceof RequestLimitExceededException) {
      return true;
    }
    if (cause instanceof AwsServiceException service) {
      if (service.isThrottlingException()) {
        return true;
      }
      String code = service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
      return "ThrottlingException".equals(code) || "ProvisionedThroughputExceededException".equals(code)
          || "RequestLimitExceeded".equals(code);
    }
    return false;
  }
}
