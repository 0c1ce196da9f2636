"""What a real account holds before the first release, made in moto (and the fakes moto lacks), so
that `bluegreen doctor` can be rehearsed: the stack (its outputs, roles, functions and EKS access
entries), the cluster's VPC with a NAT gateway, the ECR repositories with the images the cluster
runs, the Slack secrets, the EKS cluster (FakeEks) and the Slack workspace (FakeSlack).

The config's VPC, subnet and security-group ids are made up; moto makes its own, so `provision`
returns the config with the ids it made.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from typing import Any

import boto3

from bluegreen import stack_outputs
from bluegreen.config import AppConfig, ClusterConfig
from bluegreen.doctor.images import EcrRepository
from bluegreen.local.fake_eks import AccessPolicy, FakeCluster, FakeEks
from bluegreen.local.fake_slack import FakeSlack
from bluegreen.local.workflow import LocalAws
from bluegreen.stack_outputs import stack_name

EDIT, VIEW = "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"
CLUSTER_ACCESS = {
    "Deploy": EDIT,
    "CheckRollout": VIEW,
    "RequestApproval": VIEW,
    "DecideApproval": VIEW,
    "SlackInteractions": VIEW,
    "PreSwitchChecks": VIEW,
    "AlarmRollback": VIEW,
    "ScaleDown": EDIT,
}
"""Function -> the EKS access policy the stack grants its role (a test holds this to the template)."""
FUNCTIONS = (
    "Prepare",
    "Deploy",
    "CheckRollout",
    "SmokeTests",
    "RequestApproval",
    "DecideApproval",
    "StartRelease",
    "SlackInteractions",
    "PreSwitchChecks",
    "Switch",
    "ConfirmGateways",
    "CheckBake",
    "Rollback",
    "Finish",
    "RecordFailure",
    "ExecutionEnded",
    "AlarmRollback",
    "ScaleDown",
)
SLACK_TOKEN = "xoxb-local-rehearsal"  # noqa: S105 - the fake Slack's token
TAGS = ("v0", "v1", "v2")
INLINE_CODE = "def handler(event, context):\n    return None\n"  # moto never runs it


@dataclass(frozen=True)
class Network:
    vpc_id: str
    private_subnets: list[str]
    private_route_table: str
    nat_gateway: str
    security_group: str


@dataclass(frozen=True)
class LocalResources:
    """Names of what the local workflow made (tables, state machine)."""

    state_machine_arn: str
    releases_table: str
    acks_table: str


def make_network(ec2: Any, zones: list[str]) -> Network:
    """A VPC whose private subnets route 0.0.0.0/0 through a NAT gateway in a public subnet."""
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.0.0/24", AvailabilityZone=zones[0])["Subnet"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    public_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=public_table, SubnetId=public["SubnetId"])
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public["SubnetId"], AllocationId=allocation)["NatGateway"]
    private_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(
        RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"]
    )
    private = []
    for index, zone in enumerate(zones):
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{16 + index}.0/24", AvailabilityZone=zone)
        private.append(subnet["Subnet"]["SubnetId"])
        ec2.associate_route_table(RouteTableId=private_table, SubnetId=private[-1])
    group = ec2.create_security_group(GroupName="bluegreen-cluster", Description="cluster", VpcId=vpc)[
        "GroupId"
    ]
    return Network(vpc, private, private_table, nat["NatGatewayId"], group)


def with_network(config: AppConfig, network: Network, zones: list[str]) -> AppConfig:
    cluster = ClusterConfig(
        name=config.cluster.name,
        vpc_id=network.vpc_id,
        availability_zones=zones,
        subnet_ids=network.private_subnets,
        security_group_ids=[network.security_group],
    )
    return config.model_copy(update={"cluster": cluster})


def _manifest(service: str, tag: str) -> str:
    digest = hashlib.sha256(f"{service}:{tag}".encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1,
                "digest": f"sha256:{digest}",
            },
            "layers": [],
        }
    )


def push_images(ecr_in: Any, config: AppConfig, tags: tuple[str, ...] = TAGS) -> None:
    """Each service's ECR repository (immutable tags) with `tags` pushed, in the registry (account)
    and region its URI names; repositories outside ECR are left alone."""
    for service in config.services:
        repository = EcrRepository.parse(service.repository)
        if repository is None:
            continue
        ecr = ecr_in(repository.region)
        ecr.create_repository(
            registryId=repository.account, repositoryName=repository.name, imageTagMutability="IMMUTABLE"
        )
        for tag in tags:
            ecr.put_image(
                registryId=repository.account,
                repositoryName=repository.name,
                imageManifest=_manifest(service.name, tag),
                imageTag=tag,
            )


def create_secrets(secretsmanager: Any, config: AppConfig) -> None:
    """The Slack secrets the config names, unless they exist already (a rehearsal overlay's)."""
    approvals = config.approvals
    for name, value in (
        (approvals.slack_bot_token_secret, SLACK_TOKEN),
        (approvals.slack_signing_secret_secret, "local-signing-secret"),
    ):
        if name is None:
            continue
        try:
            secretsmanager.describe_secret(SecretId=name)
        except secretsmanager.exceptions.ResourceNotFoundException:
            secretsmanager.create_secret(Name=name, SecretString=value)


def stack_template(config: AppConfig, resources: LocalResources) -> dict[str, Any]:
    """The release stack's shape as doctor reads it: roles, functions, access entries, outputs."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    template: dict[str, Any] = {"Resources": {}, "Outputs": {}}
    for name in FUNCTIONS:
        template["Resources"][f"{name}Role"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": trust},
        }
        template["Resources"][name] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": f"bluegreen-{name}",
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Code": {"ZipFile": INLINE_CODE},
                "Role": {"Fn::GetAtt": [f"{name}Role", "Arn"]},
            },
        }
        if name in CLUSTER_ACCESS:
            template["Resources"][f"{name}AccessEntry"] = {
                "Type": "AWS::EKS::AccessEntry",
                "Properties": {
                    "ClusterName": config.cluster.name,
                    "PrincipalArn": {"Fn::GetAtt": [f"{name}Role", "Arn"]},
                    "Type": "STANDARD",
                    "AccessPolicies": [
                        {
                            "PolicyArn": {
                                "Fn::Join": [
                                    "",
                                    [
                                        "arn:",
                                        {"Ref": "AWS::Partition"},
                                        f":eks::aws:cluster-access-policy/{CLUSTER_ACCESS[name]}",
                                    ],
                                ]
                            },
                            "AccessScope": {
                                "Type": "namespace",
                                "Namespaces": [config.namespaces.blue, config.namespaces.green],
                            },
                        }
                    ],
                },
            }
    outputs = {
        stack_outputs.STATE_MACHINE_ARN: resources.state_machine_arn,
        stack_outputs.RELEASES_TABLE: resources.releases_table,
        stack_outputs.ACKS_TABLE: resources.acks_table,
        stack_outputs.DECIDE_FUNCTION: "bluegreen-DecideApproval",
        stack_outputs.DECIDE_URL: "https://decide.lambda-url.us-east-1.on.aws/",
        stack_outputs.START_RELEASE_URL: "https://start.lambda-url.us-east-1.on.aws/",
        stack_outputs.ROLLBACK_FUNCTION: "bluegreen-AlarmRollback",
        stack_outputs.PARAMETER_NAME: config.parameter_name,
    }
    template["Outputs"] = {key: {"Value": value} for key, value in outputs.items()}
    return template


def create_stack(cloudformation: Any, config: AppConfig, resources: LocalResources) -> str:
    name = stack_name(config.app, config.environment)
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(stack_template(config, resources)))
    return name


def role_arns(cloudformation: Any, iam: Any, stack: str) -> dict[str, str]:
    """function name -> its role's ARN, as the stack made them."""
    arns = {}
    for resource in cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]:
        logical = str(resource.get("LogicalResourceId", ""))
        if resource.get("ResourceType") == "AWS::IAM::Role" and logical.endswith("Role"):
            role = iam.get_role(RoleName=resource["PhysicalResourceId"])["Role"]
            arns[logical.removesuffix("Role")] = str(role["Arn"])
    return arns


def add_cluster(
    eks: FakeEks, config: AppConfig, network: Network, endpoint: str, roles: dict[str, str]
) -> None:
    """The EKS cluster as the stack leaves it: access entries for the functions that reach it."""
    namespaces = [config.namespaces.blue, config.namespaces.green]
    cluster = eks.add(
        FakeCluster(
            name=config.cluster.name,
            endpoint=endpoint,
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnets,
            security_group_ids=[],
            cluster_security_group_id=network.security_group,
        )
    )
    for function, policy in CLUSTER_ACCESS.items():
        cluster.access_entries[roles[function]] = [AccessPolicy(policy, namespaces)]


def add_slack(slack: FakeSlack, config: AppConfig) -> None:
    slack.state.tokens.add(SLACK_TOKEN)
    if config.approvals.slack_channel:
        slack.state.channels[config.approvals.slack_channel] = {
            "name": "releases",
            "is_member": True,
            "is_archived": False,
            "is_private": False,
        }


@dataclass(frozen=True)
class LocalAccount:
    config: AppConfig  # with the VPC ids moto made
    network: Network
    stack_name: str
    roles: dict[str, str]


def provision(
    aws: LocalAws, config: AppConfig, *, eks: FakeEks, slack: FakeSlack, kube_url: str, region: str
) -> LocalAccount:
    """Everything `bluegreen doctor` checks, in the moto the local workflow runs on."""
    # moto's CloudFormation keeps AWS::EKS::AccessEntry in the template without creating it (FakeEks
    # holds the entries) and warns each time it reads the template.
    warnings.filterwarnings("ignore", message="Tried to parse AWS::EKS::AccessEntry", category=UserWarning)
    zones = [f"{region}a", f"{region}b"]
    network = make_network(boto3.client("ec2", region_name=region), zones)
    config = with_network(config, network, zones)
    push_images(lambda ecr_region: boto3.client("ecr", region_name=ecr_region), config)
    create_secrets(boto3.client("secretsmanager", region_name=region), config)
    resources = LocalResources(
        state_machine_arn=aws.state_machine_arn,
        releases_table=str(aws.releases_table.name),
        acks_table=str(aws.acks_table.name),
    )
    cloudformation = boto3.client("cloudformation", region_name=region)
    stack = create_stack(cloudformation, config, resources)
    roles = role_arns(cloudformation, boto3.client("iam", region_name=region), stack)
    add_cluster(eks, config, network, kube_url, roles)
    add_slack(slack, config)
    return LocalAccount(config, network, stack, roles)
