"""Can the functions in the cluster's subnets reach what they call?

Lambda functions in a VPC get no public IP: they reach AWS APIs through a NAT gateway or VPC
endpoints, and Slack (and a public preprod host) only through NAT. Per subnet: its route table's
default route, else an endpoint per AWS service the in-VPC functions call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from bluegreen.doctor.checks import Checks, error_code
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import Group, fail, ok, warn

G = Group.NETWORK
GATEWAY_ENDPOINT_SERVICES = ("dynamodb", "s3")


@dataclass(frozen=True)
class Egress:
    """A subnet's way out: `nat` (verified), `other` (a route we cannot verify), or none."""

    subnet_id: str
    route_table_id: str | None
    kind: str  # "nat" | "igw" | "other" | "none"
    target: str | None


def needed_services(env: DoctorEnv) -> dict[str, str]:
    """endpoint service suffix -> what the in-VPC functions call it for. (They make no STS call:
    the EKS token is a presigned URL the cluster checks itself.)"""
    services = {
        "dynamodb": "the release records and lock",
        "ssm": "the active-colour parameter",
        "monitoring": "the alarm states",
        "eks": "the cluster's endpoint and CA",
        "states": "approval decisions and execution lookups",
    }
    if env.config.approvals.slack_enabled or env.config.smoke.suite is not None:
        services["secretsmanager"] = "the Slack token and smoke-test secrets"
    if env.config.manifests_bucket:
        services["s3"] = f"release manifests in {env.config.manifests_bucket}"
    return services


def check_network(env: DoctorEnv, checks: Checks) -> None:
    cluster = env.config.cluster
    with checks.guard(G, "subnets"):
        ec2 = env.client("ec2")
        subnets = _subnets(ec2, cluster.subnet_ids, cluster.vpc_id, checks)
        if not subnets:
            return
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [cluster.vpc_id]}])[
            "RouteTables"
        ]
        nat_states = _nat_states(ec2, tables)
        egress = [egress_of(subnet, tables, nat_states) for subnet in subnets]
        for way in egress:
            checks.add(_egress_result(way))
        without_nat = [way for way in egress if way.kind != "nat"]
        if not without_nat:
            checks.add(ok(G, "aws endpoints", "every subnet reaches AWS and Slack through a NAT gateway"))
            return
        endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [cluster.vpc_id]}])[
            "VpcEndpoints"
        ]
        for service, purpose in needed_services(env).items():
            checks.add(_endpoint_result(env, service, purpose, endpoints, without_nat))
        _internet_needs(env, without_nat, checks)


def _subnets(ec2: Any, subnet_ids: list[str], vpc_id: str, checks: Checks) -> list[dict[str, Any]]:
    found = []
    for subnet_id in subnet_ids:  # one by one: a missing id fails the whole call
        try:
            found += ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
        except ClientError as exc:
            if error_code(exc) != "InvalidSubnetID.NotFound":
                raise
            checks.add(
                fail(G, f"subnet {subnet_id}", "does not exist", "fix cluster.subnet_ids in the config")
            )
    for subnet in list(found):
        if subnet.get("VpcId") != vpc_id:
            checks.add(
                fail(
                    G,
                    f"subnet {subnet['SubnetId']}",
                    f"is in {subnet.get('VpcId')}, not in cluster.vpc_id {vpc_id}",
                    "use the cluster's VPC and its private subnets",
                )
            )
            found.remove(subnet)
    return found


def _nat_states(ec2: Any, tables: list[dict[str, Any]]) -> dict[str, str]:
    ids = sorted({r["NatGatewayId"] for t in tables for r in t.get("Routes", []) if r.get("NatGatewayId")})
    if not ids:
        return {}
    return {
        n["NatGatewayId"]: n.get("State", "")
        for n in ec2.describe_nat_gateways(NatGatewayIds=ids)["NatGateways"]
    }


def route_table_of(subnet_id: str, tables: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The subnet's explicitly associated route table, else the VPC's main one."""
    for table in tables:
        if any(a.get("SubnetId") == subnet_id for a in table.get("Associations", [])):
            return table
    return next((t for t in tables if any(a.get("Main") for a in t.get("Associations", []))), None)


def egress_of(subnet: dict[str, Any], tables: list[dict[str, Any]], nat_states: dict[str, str]) -> Egress:
    subnet_id = subnet["SubnetId"]
    table = route_table_of(subnet_id, tables)
    if table is None:
        return Egress(subnet_id, None, "none", None)
    for route in table.get("Routes", []):
        if route.get("DestinationCidrBlock") != "0.0.0.0/0" or route.get("State") == "blackhole":
            continue
        if nat := route.get("NatGatewayId"):
            return Egress(
                subnet_id, table["RouteTableId"], "nat" if nat_states.get(nat) == "available" else "none", nat
            )
        gateway = str(route.get("GatewayId") or "")
        if gateway.startswith("igw-"):
            return Egress(subnet_id, table["RouteTableId"], "igw", gateway)
        target = route.get("TransitGatewayId") or route.get("NetworkInterfaceId") or route.get("InstanceId")
        if target:
            return Egress(subnet_id, table["RouteTableId"], "other", str(target))
    return Egress(subnet_id, table["RouteTableId"], "none", None)


def _egress_result(way: Egress) -> Any:
    check = f"subnet {way.subnet_id}"
    if way.kind == "nat":
        return ok(G, check, f"default route through NAT gateway {way.target}")
    if way.kind == "igw":
        return fail(
            G,
            check,
            f"default route to the internet gateway {way.target}: a public subnet, where functions get "
            "no public IP and reach nothing outside the VPC",
            "use private subnets whose default route goes through a NAT gateway",
        )
    if way.kind == "other":
        return warn(
            G,
            check,
            f"default route through {way.target}: not verified",
            "make sure it forwards to the internet (AWS APIs, Slack), or add VPC endpoints",
        )
    detail = "no NAT gateway" + (f" ({way.target} is not available)" if way.target else "")
    return ok(G, check, f"{detail}: AWS services must come through VPC endpoints (below)")


def _endpoint_result(
    env: DoctorEnv, service: str, purpose: str, endpoints: list[dict[str, Any]], without_nat: list[Egress]
) -> Any:
    check = f"endpoint {service}"
    suffix = f".{env.region}.{service}"
    matching = [
        e
        for e in endpoints
        if str(e.get("ServiceName", "")).endswith(suffix) and e.get("State", "").lower() == "available"
    ]
    tables = {way.route_table_id for way in without_nat}
    for endpoint in matching:
        kind = endpoint.get("VpcEndpointType")
        if kind == "Gateway" and tables <= set(endpoint.get("RouteTableIds") or []):
            return ok(G, check, f"gateway endpoint {endpoint['VpcEndpointId']}")
        if kind == "Interface" and endpoint.get("PrivateDnsEnabled"):
            return ok(G, check, f"interface endpoint {endpoint['VpcEndpointId']} with private DNS")
    subnets = ", ".join(way.subnet_id for way in without_nat)
    if any(e.get("VpcEndpointType") == "Interface" for e in matching):
        return fail(
            G,
            check,
            f"the interface endpoint has private DNS off: the functions in {subnets} still resolve the "
            f"public name, for {purpose}",
            "enable private DNS on it",
        )
    kind = "a gateway" if service in GATEWAY_ENDPOINT_SERVICES else "an interface"
    return fail(
        G,
        check,
        f"none, and {subnets} have no NAT gateway: the functions cannot reach {service}, for {purpose}",
        f"create {kind} endpoint com.amazonaws.{env.region}.{service}"
        + (" on their route tables" if service in GATEWAY_ENDPOINT_SERVICES else " with private DNS")
        + ", or route 0.0.0.0/0 through a NAT gateway",
    )


def _internet_needs(env: DoctorEnv, without_nat: list[Egress], checks: Checks) -> None:
    subnets = ", ".join(way.subnet_id for way in without_nat)
    if env.config.approvals.slack_enabled:
        checks.add(
            fail(
                G,
                "slack api",
                f"{subnets} have no NAT gateway, and Slack has no VPC endpoint: no approval request "
                "reaches Slack",
                "route 0.0.0.0/0 of those subnets through a NAT gateway",
            )
        )
    host = urlsplit(env.config.smoke.base_url).hostname or env.config.smoke.base_url
    checks.add(
        warn(
            G,
            "smoke tests",
            f"{subnets} have no NAT gateway: {host} must resolve to an address inside the VPC",
            "check that the smoke tests' base_url is reachable from the cluster subnets",
        )
    )
