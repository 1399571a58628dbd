package dev.configservice.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Context parsing and the combinations refused at synth time. */
class DeploySettingsTest {

    private static DeploySettings parse(Map<String, Object> ctx) {
        return DeploySettings.fromContext(ctx::get);
    }

    private static Map<String, Object> ctx(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void defaults() {
        DeploySettings s = parse(Map.of());
        assertThat(s.serviceName()).isEqualTo("config-service");
        assertThat(s.role()).isEqualTo(DeploySettings.Role.PRIMARY);
        assertThat(s.tableName()).isEqualTo("config-service");
        assertThat(s.imageTag()).isEqualTo("latest");
        assertThat(s.cloudFront()).isTrue();
        assertThat(s.https()).isFalse();
        assertThat(s.minCapacity()).isEqualTo(2);
        assertThat(DeployApp.stackName(s)).isEqualTo("config-service-primary");
    }

    @Test
    void commandLineStringsAndCdkJsonTypesBothParse() {
        DeploySettings s = parse(ctx("role", "Secondary", "replicaRegion", "eu-west-1", "minCapacity", 3,
                "maxCapacity", "9", "cloudFront", true));
        assertThat(s.role()).isEqualTo(DeploySettings.Role.SECONDARY);
        assertThat(s.minCapacity()).isEqualTo(3);
        assertThat(s.maxCapacity()).isEqualTo(9);
        assertThat(s.cloudFront()).isTrue();
        assertThat(parse(ctx("role", "secondary", "replicaRegion", "eu-west-1")).cloudFront()).isFalse();
    }

    @Test
    void availabilityZonesAreNamedWithoutALookup() {
        DeploySettings s = parse(Map.of());
        assertThat(s.availabilityZonesFor("eu-west-1")).containsExactly("eu-west-1a", "eu-west-1b");
        assertThat(s.availabilityZonesFor("ap-northeast-1")).containsExactly("ap-northeast-1a", "ap-northeast-1c");
        assertThat(parse(ctx("availabilityZones", "eu-west-1b, eu-west-1c")).availabilityZonesFor("eu-west-1"))
                .containsExactly("eu-west-1b", "eu-west-1c");
        assertThatThrownBy(() -> parse(ctx("availabilityZones", "eu-west-1a"))).hasMessageContaining("two");
    }

    @Test
    void refusesUnsafeOrInconsistentSettings() {
        assertThatThrownBy(() -> parse(ctx("imageTag", "x; rm -rf /"))).hasMessageContaining("imageTag");
        assertThatThrownBy(() -> parse(ctx("certificateArn", "arn:aws:acm:eu-west-1:1:certificate/x")))
                .hasMessageContaining("domainName");
        assertThatThrownBy(() -> parse(ctx("hostedZoneId", "Z1"))).hasMessageContaining("hostedZoneName");
        assertThatThrownBy(() -> parse(ctx("hostedZoneId", "Z1", "hostedZoneName", "example.com")))
                .hasMessageContaining("domainName");
        assertThatThrownBy(() -> parse(ctx("hostedZoneId", "Z1", "hostedZoneName", "example.com",
                "domainName", "api.other.org"))).hasMessageContaining("inside");
        assertThatThrownBy(() -> parse(ctx("role", "secondary"))).hasMessageContaining("replicaRegion");
        assertThatThrownBy(() -> parse(ctx("replicaRegion", "mars"))).hasMessageContaining("region");
        assertThatThrownBy(() -> parse(ctx("alarmEmail", "nobody"))).hasMessageContaining("alarmEmail");
        assertThatThrownBy(() -> parse(ctx("minCapacity", "3", "maxCapacity", "2"))).hasMessageContaining("minCapacity");
        assertThatThrownBy(() -> parse(ctx("role", "tertiary"))).isInstanceOf(IllegalArgumentException.class);
    }
}
