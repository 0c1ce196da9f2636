"""Generate statemachines/release.asl.json (kept in git; regenerate after editing this file).

The definition is data, but writing its repetitive Retry/Catch blocks by hand invites drift; this
script is the single place they are spelled out. `make asl` runs it; a unit test checks the
committed file matches.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bluegreen.errors import PreSwitchCheckError, TransientError
from bluegreen.models import FAILURE_NOT_RECORDED, FINISH_NOT_RECORDED, Outcome

OUT = Path(__file__).resolve().parent.parent / "statemachines" / "release.asl.json"

TRANSIENT = [
    # bluegreen/adapters/failures.py: throttling, 5xx and network failures of AWS, Kubernetes and
    # the network, classified by error code and HTTP status (never by exception class name).
    TransientError.__name__,
    # The Lambda service itself, before the function ran (Step Functions' documented list).
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.ClientExecutionTimeoutException",
]
CRASHED = [
    # The function timed out, ran out of memory or its runtime exited: every step is idempotent
    # (re-reads before it writes), so it is re-run, but only twice: a step that always crashes is a bug.
    "Lambda.Unknown",
    "Sandbox.Timedout",
    "Runtime.ExitError",
]
TRANSIENT_INTERVAL_SECONDS = 2
TRANSIENT_MAX_DELAY_SECONDS = 30
CRASH_INTERVAL_SECONDS = 5
CRASH_ATTEMPTS = 2


def retry(attempts: int = 4) -> list[dict[str, Any]]:
    """Exactly the transient errors, with exponential backoff (x2, capped) and full jitter."""
    return [
        {
            "ErrorEquals": TRANSIENT,
            "IntervalSeconds": TRANSIENT_INTERVAL_SECONDS,
            "MaxAttempts": attempts,
            "BackoffRate": 2.0,
            "MaxDelaySeconds": TRANSIENT_MAX_DELAY_SECONDS,
            "JitterStrategy": "FULL",
        },
        {
            "ErrorEquals": CRASHED,
            "IntervalSeconds": CRASH_INTERVAL_SECONDS,
            "MaxAttempts": CRASH_ATTEMPTS,
            "BackoffRate": 2.0,
            "JitterStrategy": "FULL",
        },
    ]


def catch(next_state: str, result_path: str = "$.error", errors: list[str] | None = None) -> dict[str, Any]:
    return {"ErrorEquals": errors or ["States.ALL"], "ResultPath": result_path, "Next": next_state}


def task(
    function: str,
    parameters: dict[str, Any],
    result_path: str | None,
    next_state: str | None,
    catches: list[dict[str, Any]],
    comment: str,
    attempts: int = 4,
) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Comment": comment,
        "Resource": "${" + function + "FunctionArn}",
        "Parameters": parameters,
        "ResultPath": result_path,
        "Retry": retry(attempts),
        "Catch": catches,
    }
    if next_state is None:
        state["End"] = True
    else:
        state["Next"] = next_state
    return state


def wait(seconds_path: str, next_state: str, comment: str) -> dict[str, Any]:
    return {"Type": "Wait", "Comment": comment, "SecondsPath": seconds_path, "Next": next_state}


def loop_choice(variable: str, done: str, again: str) -> dict[str, Any]:
    return {
        "Type": "Choice",
        "Choices": [{"Variable": variable, "BooleanEquals": True, "Next": done}],
        "Default": again,
    }


FAIL_CAUSES = {
    Outcome.REFUSED: "Refused before the switch: see the record.",
    Outcome.REJECTED: "An approver rejected the release.",
    Outcome.TIMED_OUT: "Nobody approved the release in time.",
    Outcome.ROLLED_BACK: (
        "An alarm fired during the bake; traffic is back on the previous colour (confirmed)."
    ),
    Outcome.ROLLBACK_FAILED: (
        "The release had to be rolled back and traffic is NOT confirmed back on the previous colour: "
        "see the record's traffic line, then `bluegreen rollback --to <colour>`."
    ),
    Outcome.FAILED: "See the release record for the reason.",
}


def how_it_ended() -> dict[str, Any]:
    """The Choice after RecordFailure: one Fail state per outcome it can record (models.Outcome)."""
    choices = []
    default = None
    for outcome in FAIL_CAUSES:
        fail = outcome.fail_state
        assert fail is not None, outcome
        if outcome is Outcome.FAILED:
            default = fail[0]
            continue
        choices.append({"Variable": "$.outcome.outcome", "StringEquals": outcome.value, "Next": fail[0]})
    return {"Type": "Choice", "Choices": choices, "Default": default}


def fail_states() -> dict[str, Any]:
    states = {}
    for outcome, cause in FAIL_CAUSES.items():
        fail = outcome.fail_state
        assert fail is not None, outcome
        states[fail[0]] = {"Type": "Fail", "Error": fail[1], "Cause": cause}
    return states


RELEASE = {"release.$": "$.release"}
TO_FAILURE = [catch("RecordFailure")]
TO_ROLLBACK = [catch("Rollback")]


def definition() -> dict[str, Any]:
    states: dict[str, Any] = {
        "Init": {
            "Type": "Pass",
            "Comment": "Keep the execution input under $.input; every step adds its result beside it.",
            "Parameters": {"input.$": "$"},
            "Next": "Prepare",
        },
        "Prepare": task(
            "Prepare",
            {"input.$": "$.input", "execution_arn.$": "$$.Execution.Id"},
            "$.release",
            "DeployToIdle",
            TO_FAILURE,
            "Validate input, read the active colour, take the lock, write the release record.",
        ),
        "DeployToIdle": task(
            "Deploy",
            RELEASE,
            "$.deploy",
            "WaitForRollout",
            TO_FAILURE,
            "Every service into idle: the active colour's images and replicas, then the release's changes.",
        ),
        "WaitForRollout": wait(
            "$.release.waits.rollout_poll_seconds", "CheckRollout", "Let the pods come up."
        ),
        "CheckRollout": task(
            "CheckRollout",
            {"release.$": "$.release", "deploy.$": "$.deploy"},
            "$.rollout",
            "RolloutComplete?",
            TO_FAILURE,
            "observedGeneration, updated and available replicas; fails fast on ProgressDeadlineExceeded.",
        ),
        "RolloutComplete?": loop_choice("$.rollout.done", "SmokeTests", "WaitForRollout"),
        "SmokeTests": task(
            "SmokeTests",
            RELEASE,
            "$.smoke",
            "RequestApproval",
            TO_FAILURE,
            "Prove the idle colour through the preprod host.",
            attempts=2,
        ),
        "RequestApproval": {
            "Type": "Task",
            "Comment": "Wait for a person. The token is stored behind an opaque approval id, never shown.",
            "Resource": "arn:${Partition}:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "${RequestApprovalFunctionArn}",
                "Payload": {"release.$": "$.release", "smoke.$": "$.smoke", "task_token.$": "$$.Task.Token"},
            },
            "TimeoutSecondsPath": "$.release.waits.approval_timeout_seconds",
            "ResultPath": "$.approval",
            "Retry": retry(),
            "Catch": [catch("ApprovalNotGranted")],
            "Next": "PreSwitchChecks",
        },
        "ApprovalNotGranted": {
            "Type": "Pass",
            "Comment": "Rejected, timed out, or the request failed: RecordFailure tells which.",
            "Result": "approval",
            "ResultPath": "$.failed_step",
            "Next": "RecordFailure",
        },
        "PreSwitchChecks": task(
            "PreSwitchChecks",
            {"release.$": "$.release", "deploy.$": "$.deploy"},
            None,
            "Switch",
            TO_FAILURE,
            "No watched alarm in ALARM, idle unchanged and healthy, the active colour unchanged.",
        ),
        "Switch": task(
            "Switch",
            RELEASE,
            "$.switch",
            "WaitForGateways",
            [catch("RecordFailure", errors=[PreSwitchCheckError.__name__]), catch("Rollback")],
            "PutParameter(active-color = idle); the new version identifies the switch.",
        ),
        "WaitForGateways": wait(
            "$.release.waits.gateway_poll_seconds", "ConfirmGateways", "Gateways poll the parameter."
        ),
        "ConfirmGateways": task(
            "ConfirmGateways",
            {
                "release_id.$": "$.release.release_id",
                "target_color.$": "$.switch.new_color",
                "parameter_version.$": "$.switch.parameter_version",
                "since.$": "$.switch.switched_at",
                "on_timeout": "fail",
            },
            "$.gateways",
            "GatewaysConfirmed?",
            TO_ROLLBACK,
            "Every live gateway acknowledged the switch's parameter version; on timeout, roll back.",
        ),
        "GatewaysConfirmed?": loop_choice("$.gateways.confirmed", "CheckBake", "WaitForGateways"),
        "CheckBake": task(
            "CheckBake",
            {"release.$": "$.release", "confirmed_at.$": "$.gateways.confirmed_at"},
            "$.bake",
            "Baked?",
            TO_ROLLBACK,
            "Watch the release's alarms for bake.minutes; ALARM rolls back.",
        ),
        "Baked?": loop_choice("$.bake.done", "Finish", "WaitWhileBaking"),
        "WaitWhileBaking": wait("$.release.waits.bake_check_seconds", "CheckBake", "Between alarm checks."),
        "Finish": task(
            "Finish",
            {"release.$": "$.release", "switch.$": "$.switch"},
            "$.outcome",
            "Released",
            [catch(FINISH_NOT_RECORDED)],
            "Release the lock, record success, notify.",
            attempts=6,
        ),
        "Released": {"Type": "Succeed"},
        FINISH_NOT_RECORDED: {
            "Type": "Fail",
            "Error": FINISH_NOT_RECORDED,
            "Cause": "The release is live and baked, but recording its end failed: see the execution history.",  # noqa: E501
        },
        "Rollback": task(
            "Rollback",
            {"release.$": "$.release", "error.$": "$.error"},
            "$.rollback",
            "WaitForRollbackGateways",
            [catch("RecordFailure", "$.rollback_error")],
            "Put the parameter back on the colour that was live before the release.",
            attempts=6,
        ),
        "WaitForRollbackGateways": wait(
            "$.release.waits.gateway_poll_seconds", "ConfirmRollback", "Gateways poll the parameter."
        ),
        "ConfirmRollback": task(
            "ConfirmGateways",
            {
                "release_id.$": "$.release.release_id",
                "target_color.$": "$.rollback.color",
                "parameter_version.$": "$.rollback.parameter_version",
                "since.$": "$.rollback.switched_at",
                "on_timeout": "report",
            },
            "$.rollback_gateways",
            "RollbackSettled?",
            [catch("RecordFailure", "$.rollback_error")],
            "Every live gateway is back on the old colour (or the wait timed out: recorded).",
        ),
        "RollbackSettled?": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.rollback_gateways.confirmed", "BooleanEquals": True, "Next": "RecordFailure"},
                {"Variable": "$.rollback_gateways.timed_out", "BooleanEquals": True, "Next": "RecordFailure"},
            ],
            "Default": "WaitForRollbackGateways",
        },
        "RecordFailure": task(
            "RecordFailure",
            {"state.$": "$", "execution_arn.$": "$$.Execution.Id"},
            "$.outcome",
            "HowItEnded",
            [catch(FAILURE_NOT_RECORDED, "$.record_error")],
            "Release the lock, complete the record with the outcome and reason, notify.",
            attempts=6,
        ),
        "HowItEnded": how_it_ended(),
        **fail_states(),
        FAILURE_NOT_RECORDED: {
            "Type": "Fail",
            "Error": FAILURE_NOT_RECORDED,
            "Cause": "The release failed and recording it failed too: check the lock and the parameter now.",
        },
    }
    return {
        "Comment": "bluegreen release: deploy to the idle colour, prove, approve, switch, confirm, bake.",
        "StartAt": "Init",
        "States": states,
    }


def render() -> str:
    return json.dumps(definition(), indent=2) + "\n"


def main() -> int:
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != render():
            print(f"{OUT} is out of date: run `make asl`", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
