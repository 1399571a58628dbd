package dev.configservice.http;

/** A request the client must change before sending again; answered 400 (or the given status) with the message. */
final class BadRequestException extends RuntimeException {

  private static final long serialVersionUID = 1L;
  private final int status;
  private final String slug;
  private final String title;

  BadRequestException(String detail) {
    this(400, "bad-request", "Bad request", detail);
  }

  BadRequestException(int status, String slug, String title, String detail) {
    super(detail, null, false, false);
    this.status = status;
    this.slug = slug;
    this.title = title;
  }

  Problem problem() {
    return Problem.of(status, slug, title, getMessage());
  }
}
