package dev.configservice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Both pipeline definitions parse as YAML and wire the five stages to the shared scripts in order, with OIDC
 * credentials and the rollback hooked to a failed smoke check.
 */
class PipelineFilesTest {

    private static final Path ROOT = Synth.basedir().resolve("..").normalize();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(String relative) throws IOException {
        // SafeConstructor: plain maps/lists only; anchors and aliases (used by Bitbucket) are resolved.
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        return (Map<String, Object>) yaml.load(Files.readString(ROOT.resolve(relative)));
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object node, Object... path) {
        Object cur = node;
        for (Object p : path) {
            cur = p instanceof Integer i ? ((List<Object>) cur).get(i) : ((Map<Object, Object>) cur).get(p);
            assertThat(cur).as("path %s", List.of(path)).isNotNull();
        }
        return (T) cur;
    }

    @Test
    @SuppressWarnings("unchecked")
    void githubWorkflowRunsTheStagesWithOidcAndRollsBackOnAFailedSmokeCheck() throws IOException {
        Map<String, Object> wf = load(".github/workflows/pipeline.yml");
        // YAML 1.1 reads the key `on` as boolean true.
        Object triggers = wf.containsKey("on") ? wf.get("on") : ((Map<Object, Object>) (Map<?, ?>) wf).get(Boolean.TRUE);
        assertThat((Map<String, Object>) triggers).containsKeys("push", "pull_request");

        Map<String, Object> jobs = at(wf, "jobs");
        assertThat(jobs).containsKeys("build-test", "image", "deploy", "deploy-secondary");
        assertThat(runs(at(jobs, "build-test", "steps"))).containsExactly("deploy/scripts/build-test.sh");
        assertThat(runs(at(jobs, "image", "steps")))
                .containsExactly("deploy/scripts/docker-build.sh", "deploy/scripts/push-ecr.sh");
        assertThat(runs(at(jobs, "deploy", "steps"))).containsExactly("deploy/scripts/deploy.sh",
                "deploy/scripts/smoke-check.sh", "deploy/scripts/rollback.sh", "deploy/scripts/smoke-check.sh");
        assertThat((String) at(jobs, "image", "needs")).isEqualTo("build-test");
        assertThat((String) at(jobs, "deploy", "needs")).isEqualTo("image");

        for (String job : List.of("image", "deploy", "deploy-secondary")) {
            assertThat((String) at(jobs, job, "permissions", "id-token")).isEqualTo("write");
            List<Map<String, Object>> steps = at(jobs, job, "steps");
            Map<String, Object> creds = steps.stream()
                    .filter(s -> String.valueOf(s.get("uses")).startsWith("aws-actions/configure-aws-credentials@"))
                    .findFirst().orElseThrow();
            assertThat((String) at(creds, "with", "role-to-assume")).contains("AWS_DEPLOY_ROLE_ARN");
            assertThat((Map<String, Object>) creds.get("with")).doesNotContainKeys("aws-access-key-id", "aws-secret-access-key");
        }
        List<Map<String, Object>> deploySteps = at(jobs, "deploy", "steps");
        Map<String, Object> rollback = deploySteps.stream()
                .filter(s -> "deploy/scripts/rollback.sh".equals(s.get("run"))).findFirst().orElseThrow();
        assertThat((String) rollback.get("if")).isEqualTo("failure() && steps.smoke.outcome == 'failure'");
        assertThat(deploySteps.stream().filter(s -> "smoke".equals(s.get("id"))).count()).isEqualTo(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void bitbucketPipelineRunsTheSameScriptsWithOidc() throws IOException {
        Map<String, Object> bb = load("bitbucket-pipelines.yml");
        List<Map<String, Object>> main = at(bb, "pipelines", "branches", "main");
        assertThat(main).hasSize(4);
        Map<String, Object> build = at(main.get(0), "step");
        Map<String, Object> image = at(main.get(1), "step");
        Map<String, Object> deploy = at(main.get(2), "step");
        Map<String, Object> dr = at(main.get(3), "step");
        assertThat(scripts(dr)).contains("export ROLE=secondary DEPLOY_REGION=\"$SECONDARY_REGION\" REPLICA_REGION=\"$AWS_REGION\"")
                .containsSubsequence("deploy/scripts/deploy.sh", "AUTO_ROLLBACK=1 deploy/scripts/smoke-check.sh");

        assertThat(scripts(build)).contains("deploy/scripts/build-test.sh");
        assertThat(scripts(image)).containsSubsequence("deploy/scripts/docker-build.sh", "deploy/scripts/push-ecr.sh");
        assertThat(scripts(deploy)).containsSubsequence("deploy/scripts/deploy.sh",
                "AUTO_ROLLBACK=1 deploy/scripts/smoke-check.sh");
        assertThat(build.get("oidc")).isNull();
        for (Map<String, Object> step : List.of(image, deploy, dr)) {
            assertThat(step.get("oidc")).isEqualTo(true);
            String oidcSetup = String.join("\n", scripts(step));
            assertThat(oidcSetup).contains("AWS_ROLE_ARN=\"$AWS_DEPLOY_ROLE_ARN\"",
                    "AWS_WEB_IDENTITY_TOKEN_FILE=", "$BITBUCKET_STEP_OIDC_TOKEN");
            assertThat(oidcSetup).doesNotContain("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
        }
        assertThat((List<String>) at(image, "services")).containsExactly("docker");
        assertThat((String) at(deploy, "deployment")).isEqualTo("production");

        List<Map<String, Object>> pr = at(bb, "pipelines", "pull-requests", "**");
        assertThat(scripts(at(pr.get(0), "step"))).contains("deploy/scripts/build-test.sh");
        List<Map<String, Object>> manual = at(bb, "pipelines", "custom", "rollback");
        assertThat(scripts(at(manual.get(0), "step"))).contains("deploy/scripts/rollback.sh");
    }

    @Test
    void everyScriptTheFilesNameExistsAndIsExecutable() throws IOException {
        for (String file : List.of(".github/workflows/pipeline.yml", "bitbucket-pipelines.yml")) {
            String text = Files.readString(ROOT.resolve(file));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("deploy/scripts/[a-z-]+\\.sh").matcher(text);
            int found = 0;
            while (m.find()) {
                Path script = ROOT.resolve(m.group());
                assertThat(script).as(file + " names " + m.group()).exists();
                assertThat(Files.isExecutable(script)).as(m.group() + " executable").isTrue();
                found++;
            }
            assertThat(found).as(file).isGreaterThanOrEqualTo(6);
        }
    }

    private static List<String> runs(List<Map<String, Object>> steps) {
        List<String> out = new ArrayList<>();
        steps.forEach(s -> {
            if (s.get("run") != null) {
                out.add(String.valueOf(s.get("run")).trim());
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<String> scripts(Map<String, Object> step) {
        List<String> out = new ArrayList<>();
        ((List<Object>) step.get("script")).forEach(o -> out.add(String.valueOf(o)));
        return out;
    }
}
