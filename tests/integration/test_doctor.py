"""`bluegreen doctor` against the rehearsal world: moto in server mode holding what a real account
holds (stack, VPC with NAT, ECR images, secrets), the fake cluster, and fakes for what moto lacks
(EKS access entries and authentication mode: FakeEks; Slack: FakeSlack).

One world for the module: each test breaks something and puts it back, and doctor must then
fail with one clear line naming it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from botocore.client import BaseClient

from bluegreen.doctor.readonly import is_read_only
from bluegreen.local.account import _manifest
from bluegreen.local.cluster import deployment
from bluegreen.local.fake_eks import AccessPolicy
from bluegreen.local.iam_roles import ADMIN_USER
from tests.integration.doctor_world import DoctorWorld, doctor_world, failed

# moto's CloudFormation keeps the access entries in the template without creating them (FakeEks has them)
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS.+AccessEntry")
PARAMETER = "/bluegreen/myapp/prod/active-color"
LEDGER_REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/myapp/ledger"
AUDIT_REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/myapp/audit"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DoctorWorld]:
    with doctor_world(tmp_path_factory.mktemp("doctor")) as world:
        yield world


@pytest.fixture(autouse=True)
def original_config(world: DoctorWorld) -> Iterator[None]:
    yield
    world.write_config()


def lines(output: str, status: str = "FAIL") -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith(status)]


def failing(world: DoctorWorld) -> dict[str, str]:
    """check -> detail of every failed check; doctor must have exited 1."""
    code, report = world.report()
    assert code == 1, report
    assert report["ready"] is False
    return {c["check"]: c["detail"] for c in failed(report)}


# -- a healthy world --------------------------------------------------------------------------


def test_passes_on_the_rehearsal_world(world: DoctorWorld) -> None:
    # When doctor runs against the rehearsal world as an operator would
    result = world.doctor()
    # Then every check passes and it says a release could run now
    assert result.exit_code == 0, result.output
    assert lines(result.output) == []
    assert "ready: a release could run now" in result.output
    for expected in (
        f"aws identity: arn:aws:iam::123456789012:user/{ADMIN_USER}, account 123456789012, us-east-1",
        "stack BlueGreen-myapp-prod: CREATE_COMPLETE",
        f"parameter {PARAMETER}: blue (version",
        "cluster authentication: API_AND_CONFIG_MAP",
        "access entry bluegreen-Deploy: AmazonEKSEditPolicy in blue, green",
        "access entry bluegreen-CheckRollout: AmazonEKSViewPolicy in blue, green",
        "namespace green: green colour, Active",
        "deployment blue/payment: live,",
        "images of payment: myapp/payment exists; the live image v1 is in it",
        "alarm bluegreen-myapp-prod-green-release-health: OK",
        "gateway gw-a: heartbeat",
        "slack token: bluegreen in myapp",
        "slack channel C0123RELEASE: #releases, the bot can post",
        "secret myapp/prod/slack-bot-token: readable",
        "aws endpoints: every subnet reaches AWS and Slack through a NAT gateway",
        "release lock: free",
    ):
        assert expected in result.output


def test_json_report_lists_every_check_with_its_status(world: DoctorWorld) -> None:
    code, report = world.report()
    assert code == 0
    assert report["ready"] is True
    assert report["stack"] == "BlueGreen-myapp-prod"
    assert report["summary"]["fail"] == 0
    assert {"group", "check", "status", "detail", "fix"} <= set(report["checks"][0])
    groups = {c["group"] for c in report["checks"]}
    assert groups == {
        "identity",
        "stack",
        "parameter",
        "cluster",
        "kubernetes",
        "images",
        "alarms",
        "gateways",
        "secrets",
        "slack",
        "network",
        "release",
    }


def test_reaches_the_cluster_as_the_functions_do_through_eks(world: DoctorWorld) -> None:
    # When doctor is not told where the cluster is, it asks EKS for the endpoint and signs an IAM token
    world.kube.clear_requests()
    result = world.doctor(kube="eks")
    assert result.exit_code == 0, result.output
    assert "deployment blue/payment: live" in result.output
    assert world.kube.requests
    assert all(r.has_bearer_token for r in world.kube.requests)


def test_reaches_the_cluster_through_a_kubeconfig(world: DoctorWorld, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "rehearsal", "cluster": {"server": world.kube.url}}],
                "users": [{"name": "operator", "user": {"token": "operator-token"}}],
                "contexts": [{"name": "rehearsal", "context": {"cluster": "rehearsal", "user": "operator"}}],
                "current-context": "rehearsal",
            }
        )
    )
    namespaces = [world.config.namespaces.blue, world.config.namespaces.green]
    world.kube.grant("operator-token", "operator", "AmazonEKSViewPolicy", namespaces)  # the cluster knows it
    world.kube.clear_requests()
    result = world.doctor("--kubeconfig", str(kubeconfig), kube="kubeconfig")
    assert result.exit_code == 0, result.output
    assert {r.authorization for r in world.kube.requests} == {"Bearer operator-token"}


def test_only_reads(world: DoctorWorld) -> None:
    # Given every AWS call made on this thread recorded, and the fakes' own request logs
    calls: list[str] = []
    make_call = BaseClient._make_api_call  # type: ignore[attr-defined]
    here = threading.get_ident()

    def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if threading.get_ident() == here:
            calls.append(f"{client.meta.service_model.service_name}:{operation}")
        return make_call(client, operation, params)

    world.kube.clear_requests()
    world.eks.requests.clear()
    slack_calls = len(world.slack.calls)
    # When doctor runs
    with mock.patch.object(BaseClient, "_make_api_call", recording):
        result = world.doctor()
    assert result.exit_code == 0, result.output
    # Then it made only read calls, to AWS, the cluster, EKS and Slack
    assert len(calls) > 40
    assert [c for c in calls if not is_read_only(c.split(":", 1)[1])] == []
    assert {r.method for r in world.kube.requests} == {"GET"}
    assert world.eks.requests
    assert {r.method for r in world.eks.requests} == {"GET"}
    assert {c.method for c in world.slack.calls[slack_calls:]} == {"auth.test", "conversations.info"}


# -- AWS prerequisites ------------------------------------------------------------------------


@contextmanager
def parameter_without_pattern(world: DoctorWorld) -> Iterator[None]:
    ssm = world.client("ssm")
    value = ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"]
    ssm.delete_parameter(Name=PARAMETER)
    ssm.put_parameter(Name=PARAMETER, Value=value, Type="String")
    try:
        yield
    finally:
        ssm.delete_parameter(Name=PARAMETER)
        ssm.put_parameter(Name=PARAMETER, Value=value, Type="String", AllowedPattern="^(blue|green)$")


@contextmanager
def alarm_state(world: DoctorWorld, name: str, state: str) -> Iterator[None]:
    cloudwatch = world.client("cloudwatch")
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")
    try:
        yield
    finally:
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="test")


@contextmanager
def alarm_deleted(world: DoctorWorld, name: str) -> Iterator[None]:
    cloudwatch = world.client("cloudwatch")
    alarm = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    cloudwatch.delete_alarms(AlarmNames=[name])
    try:
        yield
    finally:
        keys = ("AlarmName", "MetricName", "Namespace", "Statistic", "Period", "EvaluationPeriods")
        cloudwatch.put_metric_alarm(
            **{k: alarm[k] for k in keys},
            Threshold=alarm["Threshold"],
            ComparisonOperator=alarm["ComparisonOperator"],
        )
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="test")


@contextmanager
def gateway_silent(world: DoctorWorld, gateway_id: str) -> Iterator[None]:
    gateways = world.world.workflow.aws.gateways
    table = world.world.workflow.aws.acks_table
    gateways.mode[gateway_id] = "silent"
    item = table.get_item(Key={"gateway_id": gateway_id})["Item"]
    item["heartbeat_at"] = (datetime.now(UTC) - timedelta(minutes=7)).isoformat()
    table.put_item(Item=item)
    try:
        yield
    finally:
        gateways.mode[gateway_id] = "follow"


@contextmanager
def secret_deleted(world: DoctorWorld, name: str) -> Iterator[None]:
    secrets = world.client("secretsmanager")
    value = secrets.get_secret_value(SecretId=name)["SecretString"]
    secrets.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    try:
        yield
    finally:
        secrets.create_secret(Name=name, SecretString=value)


@contextmanager
def image_deleted(world: DoctorWorld, repository: str, service: str, tag: str) -> Iterator[None]:
    ecr = world.client("ecr", "eu-west-1")
    ecr.batch_delete_image(repositoryName=repository, imageIds=[{"imageTag": tag}])
    try:
        yield
    finally:
        ecr.put_image(repositoryName=repository, imageManifest=_manifest(service, tag), imageTag=tag)


@contextmanager
def slack_changed(world: DoctorWorld, tokens: set[str], is_member: bool) -> Iterator[None]:
    state = world.slack.state
    before = set(state.tokens)
    state.tokens.clear()
    state.tokens.update(tokens)
    state.channels["C0123RELEASE"]["is_member"] = is_member
    try:
        yield
    finally:
        state.tokens.clear()
        state.tokens.update(before)
        state.channels["C0123RELEASE"]["is_member"] = True


def test_fails_with_one_line_per_broken_aws_prerequisite(world: DoctorWorld) -> None:
    # Given a hand-made parameter without its pattern, an alarm deleted and another firing, a gateway
    # gone silent, a secret deleted and the live image gone from ECR
    with (
        parameter_without_pattern(world),
        alarm_deleted(world, "myapp-prod-5xx"),
        alarm_state(world, "myapp-prod-payment-failures", "ALARM"),
        gateway_silent(world, "gw-b"),
        secret_deleted(world, "myapp/prod/slack-signing-secret"),
        image_deleted(world, "myapp/payment", "payment", "v1"),
    ):
        failures = failing(world)
    # Then each one is one failed line that says what is wrong
    assert "no AllowedPattern ^(blue|green)$" in failures[f"parameter {PARAMETER}"]
    assert "does not exist" in failures["alarm myapp-prod-5xx"]
    assert failures["alarm myapp-prod-payment-failures"] == "in ALARM now: a release would be refused"
    assert "last heartbeat 7 min ago" in failures["gateway gw-b"]
    assert "ResourceNotFoundException" in failures["secret myapp/prod/slack-signing-secret"]
    assert "the live image" in failures["images of payment"]
    assert "myapp/payment:v1 is not in the repository" in failures["images of payment"]
    # and nothing else fails
    assert set(failures) == {
        f"parameter {PARAMETER}",
        "alarm myapp-prod-5xx",
        "alarm myapp-prod-payment-failures",
        "gateway gw-b",
        "secret myapp/prod/slack-signing-secret",
        "images of payment",
    }


def test_the_live_colours_own_health_alarm_firing_is_a_warning(world: DoctorWorld) -> None:
    # Given blue live and its release-health alarm firing: the next release watches green's
    with alarm_state(world, "bluegreen-myapp-prod-blue-release-health", "ALARM"):
        code, report = world.report()
        with alarm_state(world, "bluegreen-myapp-prod-green-release-health", "ALARM"):
            failures = failing(world)
    # Then a release may still run (it may be the fix), and doctor says why blue looks bad
    assert code == 0
    (line,) = [c for c in report["checks"] if c["check"] == "alarm bluegreen-myapp-prod-blue-release-health"]
    assert line["status"] == "warn"
    assert "the live colour (blue) is unhealthy" in line["detail"]
    # while the colour about to take traffic firing refuses a release
    assert failures == {
        "alarm bluegreen-myapp-prod-green-release-health": "in ALARM now: a release would be refused"
    }


def test_fails_on_a_missing_parameter(world: DoctorWorld) -> None:
    ssm = world.client("ssm")
    value = ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"]
    ssm.delete_parameter(Name=PARAMETER)
    try:
        result = world.doctor()
    finally:
        ssm.put_parameter(Name=PARAMETER, Value=value, Type="String", AllowedPattern="^(blue|green)$")
    assert result.exit_code == 1
    assert any(
        line.startswith(f"FAIL  parameter {PARAMETER}: does not exist") for line in lines(result.output)
    ), result.output


def test_fails_when_slack_refuses_the_token(world: DoctorWorld) -> None:
    with slack_changed(world, {"xoxb-some-other-token"}, is_member=True):
        failures = failing(world)
    assert failures == {"slack token": "Slack refused it: invalid_auth"}


def test_fails_when_the_token_cannot_tell_who_clicked(world: DoctorWorld) -> None:
    # Given a bot token without users:read.email: Slack would not give the clicker's email
    scopes = world.slack.state.scopes
    world.slack.state.scopes = [s for s in scopes if s != "users:read.email"]
    try:
        failures = failing(world)
    finally:
        world.slack.state.scopes = scopes
    assert list(failures) == ["slack token"]
    assert "without scope(s) users:read.email" in failures["slack token"]


def test_fails_when_the_bot_is_not_in_the_channel(world: DoctorWorld) -> None:
    with slack_changed(world, set(), is_member=False):
        failures = failing(world)
    assert failures == {
        "slack channel C0123RELEASE": "the bot is not a member of #releases: posting answers not_in_channel"
    }


def test_fails_while_a_release_is_running(world: DoctorWorld) -> None:
    # Given a release waiting for its approval
    workflow = world.world.workflow
    arn = workflow.start({"version": "v2", "triggered_by": "ci"})
    release_id = arn.rsplit(":", 1)[-1]
    workflow.wait_for_approval_request(release_id)
    try:
        failures = failing(world)
    finally:
        workflow.decide(release_id, "reject", "arn:aws:iam::123456789012:role/release-approver", "test over")
        workflow.wait_for_end(arn)
    # Then the lock says which execution holds it
    assert "release lock" in failures, failures
    assert release_id in failures["release lock"]
    assert "still running" in failures["release lock"]


def test_fails_when_the_stack_is_not_deployed(world: DoctorWorld) -> None:
    code, report = world.report(before=("--stack", "BlueGreen-myapp-elsewhere"))
    assert code == 1
    assert {c["check"]: c["detail"] for c in failed(report)} == {
        "stack BlueGreen-myapp-elsewhere": "not found in us-east-1"
    }


# -- the cluster ------------------------------------------------------------------------------


@contextmanager
def cluster_changed(world: DoctorWorld, **changes: Any) -> Iterator[None]:
    cluster = world.cluster
    before = {key: getattr(cluster, key) for key in changes}
    entries = {k: list(v) for k, v in cluster.access_entries.items()}
    for key, value in changes.items():
        setattr(cluster, key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            setattr(cluster, key, value)
        cluster.access_entries = entries


def test_fails_when_the_cluster_does_not_honour_access_entries(world: DoctorWorld) -> None:
    with cluster_changed(world, authentication_mode="CONFIG_MAP"):
        failures = failing(world)
    assert list(failures) == ["cluster authentication"]
    assert failures["cluster authentication"].startswith("CONFIG_MAP: the stack's access entries cannot")


def test_fails_for_each_missing_or_narrower_access_entry(world: DoctorWorld) -> None:
    deploy, scale_down = world.account.roles["Deploy"], world.account.roles["ScaleDown"]
    with cluster_changed(world):
        del world.cluster.access_entries[deploy]
        world.cluster.access_entries[scale_down] = [AccessPolicy("AmazonEKSViewPolicy", ["blue", "green"])]
        world.cluster.access_entries[world.account.roles["CheckRollout"]] = [
            AccessPolicy("AmazonEKSViewPolicy", ["blue"])
        ]
        failures = failing(world)
    assert failures["access entry bluegreen-Deploy"] == f"{deploy} has no access entry: its calls get 401"
    assert failures["access entry bluegreen-ScaleDown"].startswith("lacks AmazonEKSEditPolicy in blue, green")
    assert failures["access entry bluegreen-CheckRollout"].startswith(
        "lacks AmazonEKSViewPolicy in blue, green"
    )
    assert len(failures) == 3


def test_fails_when_a_namespace_is_missing(world: DoctorWorld) -> None:
    world.write_config(namespaces={"blue": "blue", "green": "green-two"})
    failures = failing(world)
    assert failures == {"namespace green-two": "does not exist (green colour)"}


@pytest.fixture(scope="module")
def ledger(world: DoctorWorld) -> dict[str, Any]:
    """A fourth service, live in blue only, whose pods read a ConfigMap and a Secret key."""
    body = deployment("ledger", "ledger", f"{LEDGER_REPO}:v1", 2)
    container = body["spec"]["template"]["spec"]["containers"][0]
    container["envFrom"] = [{"configMapRef": {"name": "ledger-config"}}]
    container["env"] = [
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "ledger-db", "key": "password"}}},
        {
            "name": "OPTIONAL",
            "valueFrom": {"configMapKeyRef": {"name": "extras", "key": "x", "optional": True}},
        },
    ]
    body["metadata"]["namespace"] = "blue"
    world.kube.seed([body])
    world.kube.complete_rollout("blue", "ledger")
    ecr = world.client("ecr", "eu-west-1")
    ecr.create_repository(repositoryName="myapp/ledger", imageTagMutability="IMMUTABLE")
    ecr.put_image(repositoryName="myapp/ledger", imageManifest=_manifest("ledger", "v1"), imageTag="v1")
    return {"name": "ledger", "repository": LEDGER_REPO, "health_path": "/ledger/health"}


def test_fails_for_each_object_the_pods_reference_that_is_missing(
    world: DoctorWorld, ledger: dict[str, Any]
) -> None:
    # Given the config names ledger, whose live pods read a ConfigMap and a Secret that are not there
    services = [s.model_dump(mode="json", exclude_none=True) for s in world.config.services]
    world.write_config(services=[*services, ledger])
    failures = failing(world)
    # Then each is named in the live namespace and in the idle one, which gets a copy of the pods
    by = "referenced by Deployment ledger: the pods would never start"
    assert failures == {
        "configmap blue/ledger-config": f"missing, {by}",
        "secret blue/ledger-db": f"missing, {by}",
        "configmap green/ledger-config": f"missing, {by}",
        "secret green/ledger-db": f"missing, {by}",
    }


def test_fails_when_a_sidecar_the_live_pods_run_is_not_in_ecr(world: DoctorWorld) -> None:
    # Given a service whose pods also run a log shipper from ECR, whose image is not there
    shipper = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/log-shipper:3.1"
    body = deployment("audit", "audit", f"{AUDIT_REPO}:v1", 1, sidecar=False)
    body["spec"]["template"]["spec"]["containers"].append({"name": "log-shipper", "image": shipper})
    body["metadata"]["namespace"] = "blue"
    world.kube.seed([body])
    world.kube.complete_rollout("blue", "audit")
    ecr = world.client("ecr", "eu-west-1")
    ecr.create_repository(repositoryName="myapp/audit", imageTagMutability="IMMUTABLE")
    ecr.put_image(repositoryName="myapp/audit", imageManifest=_manifest("audit", "v1"), imageTag="v1")
    services = [s.model_dump(mode="json", exclude_none=True) for s in world.config.services]
    world.write_config(services=[*services, {"name": "audit", "repository": AUDIT_REPO}])
    # Then that image is the one failure
    failures = failing(world)
    assert failures == {
        f"image {shipper}": "a container of audit's live pods runs it, and it is not in ECR: the idle copy "
        "could not pull it"
    }


def test_fails_when_the_live_deployment_is_missing(world: DoctorWorld, ledger: dict[str, Any]) -> None:
    services = [s.model_dump(mode="json", exclude_none=True) for s in world.config.services]
    world.write_config(services=[*services, {**ledger, "deployment": "ledger-v2"}])
    failures = failing(world)
    assert failures == {
        "deployment blue/ledger-v2": "does not exist in the live namespace: the release has nothing to copy"
    }


# -- the network ------------------------------------------------------------------------------


@contextmanager
def default_route(world: DoctorWorld, **target: str) -> Iterator[None]:
    ec2 = world.client("ec2")
    table = world.account.network.private_route_table
    ec2.delete_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0")
    if target:
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **target)
    try:
        yield
    finally:
        if target:
            ec2.delete_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0")
        ec2.create_route(
            RouteTableId=table,
            DestinationCidrBlock="0.0.0.0/0",
            NatGatewayId=world.account.network.nat_gateway,
        )


@contextmanager
def endpoints(world: DoctorWorld, services: list[str]) -> Iterator[None]:
    ec2 = world.client("ec2")
    network = world.account.network
    ids = []
    for service in services:
        name = f"com.amazonaws.us-east-1.{service}"
        if service in ("dynamodb", "s3"):
            made = ec2.create_vpc_endpoint(
                VpcId=network.vpc_id,
                ServiceName=name,
                VpcEndpointType="Gateway",
                RouteTableIds=[network.private_route_table],
            )
        else:
            made = ec2.create_vpc_endpoint(
                VpcId=network.vpc_id,
                ServiceName=name,
                VpcEndpointType="Interface",
                SubnetIds=network.private_subnets,
                PrivateDnsEnabled=True,
            )
        ids.append(made["VpcEndpoint"]["VpcEndpointId"])
    try:
        yield
    finally:
        ec2.delete_vpc_endpoints(VpcEndpointIds=ids)


def test_fails_without_nat_or_endpoints(world: DoctorWorld) -> None:
    with default_route(world):
        failures = failing(world)
    for service in ("dynamodb", "ssm", "monitoring", "eks", "states", "secretsmanager", "s3"):
        assert "have no NAT gateway: the functions cannot reach" in failures[f"endpoint {service}"]
    assert "Slack has no VPC endpoint" in failures["slack api"]
    assert len(failures) == 8


def test_with_endpoints_but_no_nat_only_slack_fails(world: DoctorWorld) -> None:
    services = ["dynamodb", "ssm", "monitoring", "eks", "states", "secretsmanager", "s3"]
    with default_route(world), endpoints(world, services):
        failures = failing(world)
    assert list(failures) == ["slack api"]


def test_fails_in_public_subnets(world: DoctorWorld) -> None:
    gateway = world.client("ec2").describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [world.account.network.vpc_id]}]
    )["InternetGateways"][0]["InternetGatewayId"]
    with default_route(world, GatewayId=gateway):
        failures = failing(world)
    subnets = world.account.network.private_subnets
    assert {f"subnet {s}" for s in subnets} <= set(failures)
    assert "a public subnet, where functions get no public IP" in failures[f"subnet {subnets[0]}"]
