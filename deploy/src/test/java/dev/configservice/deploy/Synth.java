package dev.configservice.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.assertions.Template;

/**
 * Synthesizes the app the way `cdk synth` does (cdk.json context + overrides), offline: explicit placeholder
 * account and region, no lookups.
 */
final class Synth {

    static final String ACCOUNT = "123456789012";
    static final String REGION = "eu-west-1";
    static final String REPLICA = "eu-central-1";
    static final ObjectMapper JSON = new ObjectMapper();

    record Result(App app, ConfigServiceStack stack, Template template, RegistryStack registry, Template registryTemplate) {
    }

    private Synth() {
    }

    /** The deploy project's directory (surefire passes it; falls back to the working directory). */
    static Path basedir() {
        return Path.of(System.getProperty("deploy.basedir", ".")).toAbsolutePath().normalize();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cdkJsonContext() {
        try {
            Map<String, Object> cdkJson = JSON.readValue(Files.readString(basedir().resolve("cdk.json")), Map.class);
            return (Map<String, Object>) cdkJson.get("context");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Result primary(Map<String, Object> overrides) {
        return primary(overrides, stack -> { });
    }

    static Result primary(Map<String, Object> overrides, java.util.function.Consumer<ConfigServiceStack> before) {
        Map<String, Object> ctx = new HashMap<>(Map.of("replicaRegion", REPLICA, "imageTag", "abc1234"));
        ctx.putAll(overrides);
        return synth(ctx, before);
    }

    static Result synth(Map<String, Object> overrides) {
        return synth(overrides, stack -> { });
    }

    /** As {@link #synth(Map)}, letting a test add constructs before the one synthesis CDK allows. */
    static Result synth(Map<String, Object> overrides, java.util.function.Consumer<ConfigServiceStack> before) {
        Map<String, Object> ctx = new HashMap<>(cdkJsonContext());
        ctx.put("account", ACCOUNT);
        ctx.put("region", REGION);
        ctx.putAll(overrides);
        App app = new App(AppProps.builder().context(ctx).build());
        DeployApp.Stacks stacks = DeployApp.build(app);
        ConfigServiceStack stack = stacks.service();
        before.accept(stack);
        Template template = Template.fromStack(stack);
        return new Result(app, stack, template, stacks.registry(), Template.fromStack(stacks.registry()));
    }
}
