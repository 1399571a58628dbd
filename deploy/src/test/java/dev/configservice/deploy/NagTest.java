package dev.configservice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;

class NagTest {

    @Test
    void primaryHasNoUnsuppressedNagErrors() {
        Synth.Result r = Synth.primary(Map.of());
        List<SynthesisMessage> errors = Annotations.fromStack(r.stack()).findError("*", Match.stringLikeRegexp(".*"));
        errors.forEach(e -> System.out.println("ERROR " + e.getId() + " " + e.getEntry().getData()));
        List<SynthesisMessage> warnings = Annotations.fromStack(r.stack()).findWarning("*", Match.stringLikeRegexp(".*"));
        warnings.forEach(e -> System.out.println("WARN " + e.getId() + " " + e.getEntry().getData()));
        assertThat(errors).isEmpty();
    }
}
