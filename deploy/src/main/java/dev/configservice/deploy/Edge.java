package dev.configservice.deploy;

import java.util.Map;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudfront.AllowedMethods;
import software.amazon.awscdk.services.cloudfront.BehaviorOptions;
import software.amazon.awscdk.services.cloudfront.CacheCookieBehavior;
import software.amazon.awscdk.services.cloudfront.CacheHeaderBehavior;
import software.amazon.awscdk.services.cloudfront.CachePolicy;
import software.amazon.awscdk.services.cloudfront.CachePolicyProps;
import software.amazon.awscdk.services.cloudfront.CacheQueryStringBehavior;
import software.amazon.awscdk.services.cloudfront.CachedMethods;
import software.amazon.awscdk.services.cloudfront.Distribution;
import software.amazon.awscdk.services.cloudfront.DistributionProps;
import software.amazon.awscdk.services.cloudfront.HttpVersion;
import software.amazon.awscdk.services.cloudfront.IOrigin;
import software.amazon.awscdk.services.cloudfront.OriginProtocolPolicy;
import software.amazon.awscdk.services.cloudfront.OriginRequestPolicy;
import software.amazon.awscdk.services.cloudfront.OriginSslPolicy;
import software.amazon.awscdk.services.cloudfront.PriceClass;
import software.amazon.awscdk.services.cloudfront.ViewerProtocolPolicy;
import software.amazon.awscdk.services.cloudfront.origins.HttpOrigin;
import software.amazon.awscdk.services.cloudfront.origins.HttpOriginProps;
import software.amazon.awscdk.services.cloudfront.origins.LoadBalancerV2Origin;
import software.amazon.awscdk.services.cloudfront.origins.LoadBalancerV2OriginProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * CloudFront in front of the ALB for the read path. Only GET/HEAD on /config/* is cached, briefly, keyed on the
 * path and the {@code version} query string; CloudFront keeps the origin's ETag and answers If-None-Match from
 * its cache itself. Everything else (writes, lists, history, health, metrics) passes straight through.
 */
public final class Edge extends Construct {

    public static final String CONFIG_PATH = "/config/*";

    private final Distribution distribution;
    private final CachePolicy readCachePolicy;

    public Edge(Construct scope, String id, DeploySettings settings, ApplicationLoadBalancer alb, IBucket logBucket) {
        super(scope, id);

        IOrigin origin;
        if (settings.domainName() != null) {
            // The failover record name: Route 53 sends CloudFront to whichever region is healthy.
            origin = new HttpOrigin(settings.domainName(), HttpOriginProps.builder()
                    .protocolPolicy(settings.https() ? OriginProtocolPolicy.HTTPS_ONLY : OriginProtocolPolicy.HTTP_ONLY)
                    .originSslProtocols(java.util.List.of(OriginSslPolicy.TLS_V1_2))
                    .readTimeout(Duration.seconds(30))
                    .build());
        } else {
            origin = new LoadBalancerV2Origin(alb, LoadBalancerV2OriginProps.builder()
                    .protocolPolicy(OriginProtocolPolicy.HTTP_ONLY)
                    .originSslProtocols(java.util.List.of(OriginSslPolicy.TLS_V1_2))
                    .readTimeout(Duration.seconds(30))
                    .build());
        }

        readCachePolicy = new CachePolicy(this, "ConfigReadCache", CachePolicyProps.builder()
                .comment("config reads: short TTL, ?version= in the key; ETags revalidate via If-None-Match")
                .minTtl(Duration.seconds(0))
                .defaultTtl(Duration.seconds(5))
                .maxTtl(Duration.seconds(60))
                .queryStringBehavior(CacheQueryStringBehavior.allowList("version"))
                .headerBehavior(CacheHeaderBehavior.none())
                .cookieBehavior(CacheCookieBehavior.none())
                .enableAcceptEncodingGzip(true)
                .enableAcceptEncodingBrotli(true)
                .build());

        // All viewer headers reach the origin (If-Match, If-None-Match: * for create-only PUTs, Content-Type),
        // except Host, which must name the origin for TLS and ALB routing.
        BehaviorOptions passThrough = BehaviorOptions.builder()
                .origin(origin)
                .viewerProtocolPolicy(ViewerProtocolPolicy.REDIRECT_TO_HTTPS)
                .allowedMethods(AllowedMethods.ALLOW_ALL)
                .cachePolicy(CachePolicy.CACHING_DISABLED)
                .originRequestPolicy(OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER)
                .build();
        BehaviorOptions probes = BehaviorOptions.builder()
                .origin(origin)
                .viewerProtocolPolicy(ViewerProtocolPolicy.REDIRECT_TO_HTTPS)
                .allowedMethods(AllowedMethods.ALLOW_GET_HEAD)
                .cachePolicy(CachePolicy.CACHING_DISABLED)
                .originRequestPolicy(OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER)
                .build();
        BehaviorOptions configReads = BehaviorOptions.builder()
                .origin(origin)
                .viewerProtocolPolicy(ViewerProtocolPolicy.REDIRECT_TO_HTTPS)
                // PUT/DELETE /config/{key} share the path; CloudFront forwards them and caches only GET/HEAD.
                .allowedMethods(AllowedMethods.ALLOW_ALL)
                .cachedMethods(CachedMethods.CACHE_GET_HEAD)
                .cachePolicy(readCachePolicy)
                .originRequestPolicy(OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER)
                .compress(true)
                .build();

        distribution = new Distribution(this, "Distribution", DistributionProps.builder()
                .comment(settings.serviceName() + " read path")
                .defaultBehavior(passThrough)
                .additionalBehaviors(Map.of(
                        CONFIG_PATH, configReads,
                        "/health/*", probes,
                        "/metrics", probes))
                .priceClass(PriceClass.PRICE_CLASS_100)
                .httpVersion(HttpVersion.HTTP2_AND_3)
                .enableLogging(true)
                .logBucket(logBucket)
                .logFilePrefix("cloudfront/")
                .build());
    }

    public Distribution distribution() {
        return distribution;
    }

    public CachePolicy readCachePolicy() {
        return readCachePolicy;
    }
}
