package dev.configservice.cache;

/**
 * What the cache knows of one key at one version: the body a GET answers with, or {@code null} when the key is
 * deleted or was absent when read ({@code version} 0 for a key that never existed), with its entity tag made
 * once rather than on every read.
 */
public record CachedEntry(long version, byte[] body, String etag, long storedAtNanos) {

  public boolean present() {
    return body != null;
  }
}
