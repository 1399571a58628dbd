package dev.configservice.deploy;
import java.nio.file.*;
import java.util.Map;
import org.junit.jupiter.api.Test;
class DumpTemplate {
  @Test void dump() throws Exception {
    Synth.Result r = Synth.primary(Map.of());
    Files.writeString(Path.of("/tmp/primary-template.json"), Synth.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r.template().toJSON()));
  }
}
