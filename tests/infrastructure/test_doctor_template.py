"""What `bluegreen doctor` reads from the deployed template is what the stack writes: the access
entries (whose role, which policy, which namespaces) and the outputs the CLI reads. The rehearsal
account (bluegreen/local/account.py) grants the same."""

from __future__ import annotations

import re

from bluegreen.doctor.template import expected_access_entries
from bluegreen.local.account import CLUSTER_ACCESS, FUNCTIONS
from bluegreen.stack_outputs import CLI_OUTPUTS
from tests.infrastructure.cfn import function_by_module
from tests.infrastructure.conftest import Synthesized


def module_of(function: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", function).lower()


def test_doctor_finds_every_access_entry_of_the_stack_with_its_function(synthesized: Synthesized) -> None:
    config = synthesized.config
    template = {"Resources": synthesized.resources, "Outputs": synthesized.outputs}
    # When doctor reads the synthesized template
    expected = {entry.function_logical_id: entry for entry in expected_access_entries(template)}
    # Then every access entry belongs to one of the stack's functions, the ones the rehearsal grants
    functions = {function_by_module(synthesized.resources, module_of(f))[0]: f for f in CLUSTER_ACCESS}
    assert set(expected) == set(functions)
    for logical_id, entry in expected.items():
        assert logical_id is not None
        assert entry.cluster_name == config.cluster.name
        assert entry.role_logical_id is not None
        assert synthesized.resources[entry.role_logical_id]["Type"] == "AWS::IAM::Role"
        (policy,) = entry.policies
        assert policy.name == CLUSTER_ACCESS[functions[logical_id]]
        assert policy.scope == "namespace"
        assert policy.namespaces == (config.namespaces.blue, config.namespaces.green)


def test_the_rehearsal_stack_has_the_same_functions(synthesized: Synthesized) -> None:
    for function in FUNCTIONS:
        function_by_module(synthesized.resources, module_of(function))


def test_every_output_the_cli_reads_is_written(synthesized: Synthesized) -> None:
    assert {o.key for o in CLI_OUTPUTS.values()} <= set(synthesized.outputs)
