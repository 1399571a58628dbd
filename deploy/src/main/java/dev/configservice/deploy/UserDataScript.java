package dev.configservice.deploy;

import java.util.List;

/**
 * Boot script for an instance: install Docker, log in to ECR, run the service image with its logs shipped to
 * CloudWatch, wait for readiness and only then signal CloudFormation (so a broken image fails the rolling update).
 * Values may be CDK tokens; they are resolved into the template when the user data renders.
 */
final class UserDataScript {

    record Inputs(String region, String account, String stackName, String asgLogicalId, String repositoryUri,
                  String imageTag, String logGroupName, String tableName, String serviceName, int port) {
    }

    private UserDataScript() {
    }

    static List<String> lines(Inputs in) {
        String registry = in.account() + ".dkr.ecr." + in.region() + ".amazonaws.com";
        String image = in.repositoryUri() + ":" + in.imageTag();
        String signal = "/opt/aws/bin/cfn-signal --stack " + in.stackName() + " --resource " + in.asgLogicalId()
                + " --region " + in.region();
        return List.of(
                "set -euo pipefail",
                "exec > >(tee -a /var/log/config-service-bootstrap.log) 2>&1",
                // Any failing step reports failure at once instead of leaving CloudFormation waiting for the timeout.
                "trap '" + signal + " --exit-code 1 || true' ERR",
                "dnf install -y docker aws-cfn-bootstrap",
                "systemctl enable --now docker",
                "IMDS_TOKEN=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
                "INSTANCE_ID=$(curl -fsS -H \"X-aws-ec2-metadata-token: $IMDS_TOKEN\" http://169.254.169.254/latest/meta-data/instance-id)",
                "aws ecr get-login-password --region " + in.region()
                        + " | docker login --username AWS --password-stdin " + registry,
                "docker pull " + image,
                "docker run -d --name " + in.serviceName() + " --restart unless-stopped --stop-timeout 30"
                        + " -p " + in.port() + ":" + in.port()
                        + " --log-driver awslogs"
                        + " --log-opt awslogs-region=" + in.region()
                        + " --log-opt awslogs-group=" + in.logGroupName()
                        + " --log-opt awslogs-stream=\"$INSTANCE_ID\""
                        + " -e STORE=dynamodb"
                        + " -e DYNAMODB_TABLE=" + in.tableName()
                        + " -e AWS_REGION=" + in.region()
                        + " -e CREATE_TABLE=false"
                        + " -e HOST=0.0.0.0"
                        + " -e PORT=" + in.port()
                        + " -e CLOUDWATCH_METRICS=true"
                        + " -e LOG_FORMAT=json"
                        + " -e SERVICE_NAME=" + in.serviceName()
                        + " " + image,
                // Readiness includes the store check; 60 x 5 s covers a cold JVM and the first DescribeTable.
                "for i in $(seq 1 60); do curl -fsS http://127.0.0.1:" + in.port() + ConfigServiceStack.HEALTH_PATH
                        + " && break; sleep 5; done",
                "curl -fsS http://127.0.0.1:" + in.port() + ConfigServiceStack.HEALTH_PATH,
                signal + " --exit-code 0");
    }
}
