"""The EKS cluster: active, access entries enabled, its API reachable from the functions' subnets, and
an access entry for every function role the stack maps into it."""

from __future__ import annotations

import ipaddress
from typing import Any

from botocore.exceptions import ClientError

from bluegreen.doctor.checks import Checks, error_code
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import Group, fail, ok, warn
from bluegreen.doctor.stack import StackFacts
from bluegreen.doctor.template import ExpectedAccess, expected_access_entries

G = Group.CLUSTER
ACCESS_ENTRY_MODES = ("API", "API_AND_CONFIG_MAP")


def check_cluster(env: DoctorEnv, stack: StackFacts, checks: Checks) -> None:
    name = env.config.cluster.name
    cluster: dict[str, Any] | None = None
    with checks.guard(G, f"cluster {name}"):
        cluster = _describe(env, name, checks)
    if cluster is None:
        return
    entries_enabled = _check_authentication_mode(cluster, checks)
    with checks.guard(G, "cluster endpoint"):
        _check_endpoint(env, cluster, checks)
    if entries_enabled and stack.template is not None:
        for expected in expected_access_entries(stack.template):
            with checks.guard(G, f"access entry {_label(expected, stack)}"):
                _check_access_entry(env, stack, expected, checks)


def _describe(env: DoctorEnv, name: str, checks: Checks) -> dict[str, Any] | None:
    check = f"cluster {name}"
    try:
        cluster: dict[str, Any] = env.client("eks").describe_cluster(name=name)["cluster"]
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        checks.add(
            fail(
                G,
                check,
                f"not found in {env.region}",
                "set cluster.name (and the region) in the config to the existing EKS cluster",
            )
        )
        return None
    status = cluster.get("status", "")
    if status in ("ACTIVE", "UPDATING"):
        checks.add(ok(G, check, f"{status}, Kubernetes {cluster.get('version', '?')}"))
        return cluster
    checks.add(fail(G, check, f"is {status}", "wait until the cluster is ACTIVE"))
    return None


def _check_authentication_mode(cluster: dict[str, Any], checks: Checks) -> bool:
    # Clusters made before access entries existed report no accessConfig: they are CONFIG_MAP.
    mode = (cluster.get("accessConfig") or {}).get("authenticationMode") or "CONFIG_MAP"
    if mode in ACCESS_ENTRY_MODES:
        checks.add(ok(G, "cluster authentication", f"{mode}: access entries are honoured"))
        return True
    checks.add(
        fail(
            G,
            "cluster authentication",
            f"{mode}: the stack's access entries cannot be created and the functions get 401 Unauthorized",
            f"`aws eks update-cluster-config --name {cluster.get('name')} "
            "--access-config authenticationMode=API_AND_CONFIG_MAP` (one way: it cannot be undone; "
            "the aws-auth ConfigMap keeps working)",
        )
    )
    return False


def _check_endpoint(env: DoctorEnv, cluster: dict[str, Any], checks: Checks) -> None:
    vpc = cluster.get("resourcesVpcConfig") or {}
    if vpc.get("endpointPrivateAccess"):
        groups = {vpc.get("clusterSecurityGroupId"), *(vpc.get("securityGroupIds") or [])} - {None}
        if _allows_functions(env, sorted(str(g) for g in groups)):
            checks.add(
                ok(G, "cluster endpoint", "private access on; the security groups let the functions in")
            )
        else:
            checks.add(
                warn(
                    G,
                    "cluster endpoint",
                    f"private access on, but no rule of {', '.join(sorted(str(g) for g in groups))} lets "
                    f"HTTPS in from {', '.join(env.config.cluster.security_group_ids)} or the functions' "
                    "subnets",
                    "attach the cluster security group to the functions (cluster.security_group_ids) or "
                    "allow TCP 443 from their security groups",
                )
            )
        return
    cidrs = list(vpc.get("publicAccessCidrs") or ["0.0.0.0/0"])
    if not vpc.get("endpointPublicAccess", True):
        checks.add(fail(G, "cluster endpoint", "neither private nor public access", "enable private access"))
        return
    detail = "public only: the functions reach the API server through the NAT gateway"
    if cidrs != ["0.0.0.0/0"]:
        detail += f", and publicAccessCidrs {', '.join(cidrs)} must include its Elastic IPs"
    checks.add(
        warn(
            G,
            "cluster endpoint",
            detail,
            f"`aws eks update-cluster-config --name {cluster.get('name')} "
            "--resources-vpc-config endpointPrivateAccess=true`",
        )
    )


def _allows_functions(env: DoctorEnv, group_ids: list[str]) -> bool:
    """Some rule of the cluster's security groups admits HTTPS from the functions."""
    function_groups = set(env.config.cluster.security_group_ids)
    if function_groups & set(group_ids):
        return True  # members of the cluster security group may talk to each other
    ec2 = env.client("ec2")
    subnets = ec2.describe_subnets(SubnetIds=list(env.config.cluster.subnet_ids))["Subnets"]
    networks = [ipaddress.ip_network(s["CidrBlock"]) for s in subnets if s.get("CidrBlock")]
    for group in ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]:
        for rule in group.get("IpPermissions", []):
            protocol = str(rule.get("IpProtocol"))
            if protocol != "-1" and not (
                protocol in ("tcp", "6") and rule.get("FromPort", 0) <= 443 <= rule.get("ToPort", 0)
            ):
                continue
            if function_groups & {p.get("GroupId") for p in rule.get("UserIdGroupPairs", [])}:
                return True
            for ip_range in rule.get("IpRanges", []):
                allowed = ipaddress.ip_network(ip_range["CidrIp"], strict=False)
                if networks and all(n.subnet_of(allowed) for n in networks):  # type: ignore[arg-type]
                    return True
    return False


def _label(expected: ExpectedAccess, stack: StackFacts) -> str:
    if expected.function_logical_id:
        return stack.physical_ids.get(expected.function_logical_id) or expected.function_logical_id
    return expected.principal_arn or expected.role_logical_id or expected.logical_id


def _principal(env: DoctorEnv, stack: StackFacts, expected: ExpectedAccess) -> str | None:
    if expected.principal_arn:
        return expected.principal_arn
    role_name = stack.physical_ids.get(expected.role_logical_id or "")
    if not role_name:
        return None
    return str(env.client("iam").get_role(RoleName=role_name)["Role"]["Arn"])


def _check_access_entry(env: DoctorEnv, stack: StackFacts, expected: ExpectedAccess, checks: Checks) -> None:
    check = f"access entry {_label(expected, stack)}"
    cluster = env.config.cluster.name
    if expected.cluster_name != cluster:
        checks.add(
            fail(
                G,
                check,
                f"the stack grants access to cluster {expected.cluster_name}, the config names {cluster}",
                "deploy the stack from this config",
            )
        )
        return
    principal = _principal(env, stack, expected)
    if principal is None:
        checks.add(fail(G, check, f"role {expected.role_logical_id} is not in the stack", "deploy the stack"))
        return
    wanted = ", ".join(f"{p.name} in {', '.join(p.namespaces) or 'the cluster'}" for p in expected.policies)
    fix = (
        "deploy the stack again (the entry is part of it), or `aws eks create-access-entry --cluster-name "
        f"{cluster} --principal-arn {principal}` and `aws eks associate-access-policy` for {wanted}"
    )
    eks = env.client("eks")
    try:
        eks.describe_access_entry(clusterName=cluster, principalArn=principal)
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        checks.add(fail(G, check, f"{principal} has no access entry: its calls get 401", fix))
        return
    associated: dict[str, tuple[str, set[str]]] = {}
    kwargs: dict[str, Any] = {"clusterName": cluster, "principalArn": principal}
    while True:
        page = eks.list_associated_access_policies(**kwargs)
        for policy in page.get("associatedAccessPolicies", []):
            scope = policy.get("accessScope") or {}
            name = str(policy.get("policyArn", "")).rsplit("/", 1)[-1]
            associated[name] = (str(scope.get("type", "")), set(scope.get("namespaces") or ()))
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    missing = []
    for policy in expected.policies:
        scope, namespaces = associated.get(policy.name, ("", set()))
        covered = scope == "cluster" or (scope == policy.scope and set(policy.namespaces) <= namespaces)
        if not covered:
            missing.append(f"{policy.name} in {', '.join(policy.namespaces)}")
    if missing:
        held = ", ".join(f"{n} ({s}: {', '.join(sorted(ns))})" for n, (s, ns) in associated.items()) or "none"
        checks.add(fail(G, check, f"lacks {'; '.join(missing)} (holds {held})", fix))
    else:
        checks.add(ok(G, check, wanted))
