"""The synthesized access entries grant exactly what the local runs enforce: one table
(`release_function_specs` and the rollback functions) decides each function's EKS access policy and
namespaces, for the stack and for the fake cluster (bluegreen.local.cluster_access)."""

from __future__ import annotations

from bluegreen.local.cluster_access import function_cluster_access
from bluegreen.local.workflow import HANDLERS
from tests.infrastructure.cfn import function_by_module, of_type, render, role_of
from tests.infrastructure.conftest import Synthesized


def test_the_stacks_access_entries_are_the_table_the_local_cluster_enforces(synthesized: Synthesized) -> None:
    # Given the table, by the role of each function in the template
    table = function_cluster_access(synthesized.config)
    role_to_function = {
        role_of(function_by_module(synthesized.resources, HANDLERS[name].removeprefix("lambdas."))[1]): name
        for name in HANDLERS
    }
    # When every AccessEntry is read back as (function, policy name, namespaces)
    granted = {}
    for entry in of_type(synthesized.resources, "AWS::EKS::AccessEntry").values():
        properties = entry["Properties"]
        function = role_to_function[properties["PrincipalArn"]["Fn::GetAtt"][0]]
        (policy,) = properties["AccessPolicies"]
        assert policy["AccessScope"]["Type"] == "namespace"
        granted[function] = (
            render(policy["PolicyArn"]).rsplit("/", 1)[-1],
            tuple(policy["AccessScope"]["Namespaces"]),
        )
    # Then they are the table, entry for entry
    assert granted == {name: (access.policy, access.namespaces) for name, access in table.items()}
