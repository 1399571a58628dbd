package dev.configservice.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees when starting the jar: help, and a clear stop on bad settings or a used port. */
class StartUpTest {

  @TempDir
  Path dir;

  @Test
  void helpListsEverySetting() throws Exception {
    Map.Entry<Integer, String> run = ForkedService.run(Map.of(), dir.resolve("help.log"), "--help");
    assertThat(run.getKey()).isZero();
    assertThat(run.getValue()).contains("PORT", "--data-dir", "STORE", "DYNAMODB_ENDPOINT", "MAX_IN_FLIGHT", "CACHE_TTL");
  }

  @Test
  void badSettingsStopStartUpWithExitCode2AndSayWhy() throws Exception {
    Map.Entry<Integer, String> run = ForkedService.run(Map.of("PORT", "http", "STORE", "mongo"), dir.resolve("bad.log"),
        "--nope=1");
    assertThat(run.getKey()).isEqualTo(2);
    assertThat(run.getValue()).contains("PORT='http' is not valid", "STORE='mongo' is not valid", "unknown flag --nope");
  }

  @Test
  void aStoreThatCannotOpenStopsStartUpWithExitCode1() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("file"), "x");
    Map.Entry<Integer, String> run = ForkedService.run(Map.of("PORT", "0", "DATA_DIR", notADirectory.toString()),
        dir.resolve("store.log"));
    assertThat(run.getKey()).isEqualTo(1);
    assertThat(run.getValue()).contains("failed to start");
  }

  @Test
  void jsonLogsAreOneObjectPerLine() throws Exception {
    int port = ForkedService.freePort();
    Path log = dir.resolve("json.log");
    try (ForkedService service = ForkedService.start(dir.resolve("data"), port,
        Map.of("LOG_FORMAT", "json", "LOG_LEVEL", "debug"), log)) {
      service.get("/config/some/key");
      service.process.destroy();
      service.process.waitFor();
    }
    var lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
    assertThat(lines).isNotEmpty();
    assertThat(lines).allSatisfy(l -> assertThat(new io.vertx.core.json.JsonObject(l).getString("level")).isNotBlank());
    assertThat(lines).map(io.vertx.core.json.JsonObject::new)
        .anySatisfy(j -> {
          assertThat(j.getString("loggerName")).isEqualTo("dev.configservice.access");
          assertThat(j.getString("formattedMessage")).startsWith("GET /config/some/key 404");
        });
  }
}
