package dev.configservice.api;

import java.nio.file.Files;
import java.util.Map;

/** The whole HTTP API on the embedded store. */
class EmbeddedConfigApiTest extends ConfigApiContract {

  @Override
  protected Map<String, String> storeSettings() throws Exception {
    return Map.of("STORE", "embedded", "DATA_DIR", Files.createTempDirectory("config-api").toString());
  }
}
