"""Each function reaches the cluster with its own token and only what its EKS access entry grants
(AmazonEKSEditPolicy or AmazonEKSViewPolicy, in blue and green), so a missing grant fails here as
it would on EKS."""

from __future__ import annotations

import dataclasses

from bluegreen.local.cluster_access import VIEW, function_cluster_access, function_token
from tests.integration.release_world import REPO, local_config, release_world


def test_a_release_touches_the_cluster_only_as_the_functions_the_stack_grants() -> None:
    with release_world() as world:
        world.kube.clear_requests()
        # When
        _, execution = world.release("v2")
        # Then
        assert execution["status"] == "SUCCEEDED"
        granted = function_cluster_access(world.config)
        by_token = {f"Bearer {function_token(name)}": name for name in granted}
        requests = world.kube.requests
        callers = {by_token.get(r.authorization or "", r.authorization) for r in requests}
        assert callers <= set(granted), f"requests made without a granted token: {callers - set(granted)}"
        assert {"Deploy", "CheckRollout", "RequestApproval", "DecideApproval", "PreSwitchChecks"} <= callers
        refused = [(r.method, r.path, r.code) for r in requests if r.code in (401, 403)]
        assert refused == []
        # ... and the viewers only read
        viewers = {name for name, access in granted.items() if access.policy == VIEW}
        assert {r.method for r in requests if by_token.get(r.authorization or "") in viewers} == {"GET"}


def test_a_deploy_role_with_view_only_is_refused_like_on_eks() -> None:
    # Given Deploy's access entry grants only AmazonEKSViewPolicy
    access = function_cluster_access(local_config("http://127.0.0.1:9"))
    access["Deploy"] = dataclasses.replace(access["Deploy"], policy=VIEW)
    with release_world(cluster_access=access) as world:
        # When
        release_id, execution = world.release("v2", approve=False)
        # Then the release fails on the cluster's 403 to Deploy's writes, and green is untouched
        assert execution["status"] == "FAILED"
        record = world.workflow.record(release_id)
        assert record["outcome"] == "failed"
        assert "403" in record["reason"]
        deploy_token = f"Bearer {function_token('Deploy')}"
        refused = {(r.method, r.code) for r in world.kube.requests if r.authorization == deploy_token}
        assert ("PATCH", 403) in refused
        assert world.image("green", "payment") != f"{REPO}/payment:v2"
