package dev.configservice.http;

import dev.configservice.domain.Precondition;
import io.vertx.core.http.HttpServerRequest;

/** Reads the conditional-request headers (RFC 9110 §13) that this API supports. */
final class Conditions {

  private Conditions() {
  }

  /** The precondition of a write from If-Match / If-None-Match. */
  static Precondition forWrite(HttpServerRequest request) {
    String ifMatch = request.getHeader("If-Match");
    String ifNoneMatch = request.getHeader("If-None-Match");
    if (ifMatch != null && ifNoneMatch != null) {
      throw new BadRequestException("send either If-Match or If-None-Match, not both");
    }
    if (ifNoneMatch != null) {
      if (!ifNoneMatch.trim().equals("*")) {
        throw new BadRequestException("on writes, If-None-Match supports only * (create only if absent)");
      }
      return Precondition.ABSENT;
    }
    if (ifMatch == null) {
      return Precondition.NONE;
    }
    String tag = ifMatch.trim();
    if (tag.equals("*")) {
      return Precondition.EXISTS;
    }
    if (tag.indexOf(',') >= 0) {
      throw new BadRequestException("If-Match with more than one entity tag is not supported; send the one version you read");
    }
    if (tag.startsWith("W/")) {
      // Weak tags never match under If-Match's strong comparison.
      return Precondition.versionIs(-1);
    }
    return Precondition.versionIs(versionOf(tag));
  }

  /** True when If-None-Match on a read names {@code version} (weak comparison) or is *. */
  static boolean notModified(String ifNoneMatch, long version) {
    if (ifNoneMatch == null) {
      return false;
    }
    int start = 0;
    int length = ifNoneMatch.length();
    while (start < length) {
      int comma = ifNoneMatch.indexOf(',', start);
      int end = comma < 0 ? length : comma;
      String tag = ifNoneMatch.substring(start, end).trim();
      if (tag.equals("*")) {
        return true;
      }
      if (tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (versionOf(tag) == version) {
        return true;
      }
      start = end + 1;
    }
    return false;
  }

  /** The version in an entity tag {@code "N"}, or -1 when it is not one of ours. */
  private static long versionOf(String quotedTag) {
    if (quotedTag.length() < 3 || quotedTag.charAt(0) != '"' || quotedTag.charAt(quotedTag.length() - 1) != '"') {
      return -1;
    }
    try {
      return Long.parseLong(quotedTag, 1, quotedTag.length() - 1, 10);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
