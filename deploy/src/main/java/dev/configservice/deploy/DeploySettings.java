package dev.configservice.deploy;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Everything a deployment can vary, read from CDK context ({@code -c key=value} or cdk.json).
 * Validated up front so a bad combination fails at synth time, not halfway through a CloudFormation update.
 */
public record DeploySettings(
        String serviceName,
        Role role,
        String tableName,
        String replicaRegion,
        String certificateArn,
        String domainName,
        String hostedZoneId,
        String hostedZoneName,
        String alarmEmail,
        String imageTag,
        String instanceType,
        int minCapacity,
        int maxCapacity,
        int natGateways,
        boolean cloudFront,
        java.util.List<String> availabilityZones) {

    /** Which side of the multi-region pair this stack is. The primary owns the global table. */
    public enum Role { PRIMARY, SECONDARY }

    // Docker tag grammar; keeps the tag safe to splice into the user-data shell script.
    private static final Pattern IMAGE_TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

    public DeploySettings {
        Objects.requireNonNull(role, "role");
        require(NAME.matcher(serviceName).matches(), "serviceName must be lower-case letters, digits and dashes: " + serviceName);
        require(tableName != null && !tableName.isBlank(), "tableName must not be blank");
        require(IMAGE_TAG.matcher(imageTag).matches(), "imageTag is not a valid Docker tag: " + imageTag);
        require(replicaRegion == null || REGION.matcher(replicaRegion).matches(), "replicaRegion is not a region name: " + replicaRegion);
        require(role == Role.PRIMARY || replicaRegion != null,
                "a secondary stack needs replicaRegion (the primary's region) to monitor replication latency");
        require(certificateArn == null || certificateArn.startsWith("arn:aws"), "certificateArn must be an ACM certificate ARN");
        // CloudFront and the Route 53 health check reach the ALB by name over TLS; the ALB's certificate only
        // matches the custom domain, so HTTPS without a domain name would give CloudFront a certificate mismatch.
        require(certificateArn == null || domainName != null, "certificateArn needs domainName (the name the certificate covers)");
        require((hostedZoneId == null) == (hostedZoneName == null), "hostedZoneId and hostedZoneName go together");
        require(hostedZoneId == null || domainName != null, "a hosted zone needs domainName for the failover record");
        require(domainName == null || hostedZoneName == null || domainName.equals(hostedZoneName)
                || domainName.endsWith("." + hostedZoneName), "domainName must be inside hostedZoneName");
        require(alarmEmail == null || alarmEmail.matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+"), "alarmEmail is not an e-mail address");
        require(minCapacity >= 1 && maxCapacity >= minCapacity, "need 1 <= minCapacity <= maxCapacity");
        require(natGateways >= 1 && natGateways <= 2, "natGateways must be 1 or 2");
        require(availabilityZones == null || availabilityZones.size() == 2, "availabilityZones needs exactly two zones");
    }

    /**
     * The two AZs, named explicitly: letting CDK pick them would need an AWS lookup at synth time, and synth runs
     * offline. Zone names ending a/b exist in almost every region; the few exceptions are mapped, and
     * {@code -c availabilityZones=x,y} overrides.
     */
    public java.util.List<String> availabilityZonesFor(String region) {
        if (availabilityZones != null) {
            return availabilityZones;
        }
        return switch (region) {
            case "ap-northeast-1" -> java.util.List.of(region + "a", region + "c");
            case "us-west-1" -> java.util.List.of(region + "b", region + "c");
            default -> java.util.List.of(region + "a", region + "b");
        };
    }

    public boolean https() {
        return certificateArn != null;
    }

    public boolean failoverRecord() {
        return hostedZoneId != null;
    }

    /**
     * Reads the settings through a context getter (App#getNode().tryGetContext in the app, a map in tests).
     * Context values given on the command line arrive as strings; cdk.json values may be numbers or booleans.
     */
    public static DeploySettings fromContext(Function<String, Object> context) {
        String serviceName = str(context, "serviceName", "config-service");
        Role role = Role.valueOf(str(context, "role", "primary").toUpperCase(Locale.ROOT));
        return new DeploySettings(
                serviceName,
                role,
                str(context, "tableName", serviceName),
                str(context, "replicaRegion", null),
                str(context, "certificateArn", null),
                str(context, "domainName", null),
                str(context, "hostedZoneId", null),
                str(context, "hostedZoneName", null),
                str(context, "alarmEmail", null),
                str(context, "imageTag", "latest"),
                str(context, "instanceType", "t3.small"),
                Integer.parseInt(str(context, "minCapacity", "2")),
                Integer.parseInt(str(context, "maxCapacity", "6")),
                Integer.parseInt(str(context, "natGateways", "2")),
                Boolean.parseBoolean(str(context, "cloudFront", role == Role.PRIMARY ? "true" : "false")),
                azs(str(context, "availabilityZones", null)));
    }

    private static java.util.List<String> azs(String csv) {
        return csv == null ? null : java.util.Arrays.stream(csv.split(",")).map(String::trim)
                .filter(x -> !x.isEmpty()).toList();
    }

    private static String str(Function<String, Object> context, String key, String fallback) {
        Object v = context.apply(key);
        if (v == null) {
            return fallback;
        }
        String s = v.toString().trim();
        return s.isEmpty() ? fallback : s;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
