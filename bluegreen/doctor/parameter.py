"""The active-colour parameter: a String, with SSM's own guard `^(blue|green)$`, holding a colour."""

from __future__ import annotations

from bluegreen.adapters.active_color import ActiveColor
from bluegreen.colors import Color
from bluegreen.doctor.checks import Checks
from bluegreen.doctor.env import DoctorEnv
from bluegreen.doctor.result import Group, fail, ok
from bluegreen.doctor.stack import StackFacts

G = Group.PARAMETER
PATTERN = "^(blue|green)$"


def check_parameter(env: DoctorEnv, stack: StackFacts, checks: Checks) -> ActiveColor | None:
    """The live colour and the parameter version that says so, when the parameter holds one."""
    name = env.config.parameter_name
    check = f"parameter {name}"
    deployed = stack.resource("parameter_name")
    if deployed and deployed != name:
        checks.add(
            fail(
                G,
                "parameter name",
                f"the stack manages {deployed}, the config names {name}",
                "deploy the stack from this config, or use the config it was deployed from",
            )
        )
    active: ActiveColor | None = None
    with checks.guard(G, check):
        ssm = env.client("ssm")
        found = ssm.describe_parameters(
            ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
        ).get("Parameters", [])
        if not found:
            checks.add(
                fail(
                    G,
                    check,
                    "does not exist: Prepare cannot read the active colour and the gateways serve nothing",
                    "deploy the stack (it creates the parameter with the config's initial_color)",
                )
            )
            return None
        metadata = found[0]
        problems = []
        if metadata.get("Type") != "String":
            problems.append(f"type {metadata.get('Type')}, not String")
        if metadata.get("AllowedPattern") != PATTERN:
            pattern = metadata.get("AllowedPattern")
            problems.append(
                f"AllowedPattern {pattern!r}, not {PATTERN!r}" if pattern else f"no AllowedPattern {PATTERN}"
            )
        value = ssm.get_parameter(Name=name)["Parameter"]
        live = Color.parse(value.get("Value"))
        if live is not None:
            active = ActiveColor(live, int(value["Version"]))
        else:
            problems.append(f"value {value.get('Value')!r} is neither blue nor green")
        if problems:
            checks.add(
                fail(
                    G,
                    check,
                    "; ".join(problems) + ": SSM would accept a value the gateways cannot serve",
                    "a parameter that existed before the stack is kept as it was: rewrite it with "
                    f"`aws ssm put-parameter --name {name} --type String --allowed-pattern '{PATTERN}' "
                    "--value <the colour live now> --overwrite`",
                )
            )
        else:
            checks.add(ok(G, check, f"{live} (version {value.get('Version')}), String, pattern {PATTERN}"))
    return active
