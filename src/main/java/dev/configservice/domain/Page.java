package dev.configservice.domain;

import java.util.List;

/**
 * One page of a listing. {@code nextCursor} is an opaque store-made token to pass back for the next page,
 * or {@code null} when there are no more items.
 */
public record Page<T>(List<T> items, String nextCursor) {

  public Page {
    items = List.copyOf(items);
  }

  public boolean hasMore() {
    return nextCursor != null;
  }
}
