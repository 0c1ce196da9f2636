"""Approving re-checks the world: a firing alarm or an idle deployment changed since the request
refuses the approval, with the reason shown to the approver (and the release keeps waiting)."""

from __future__ import annotations

from kubernetes import client as k8s

from tests.integration.release_world import REPO
from tests.integration.slack_world import APPROVER_U, slack_release_world


def test_alarm_in_alarm_refuses_the_approval() -> None:
    with slack_release_world() as sw:
        arn, release_id, approval_id = sw.start()
        sw.world.workflow.aws.cloudwatch.set_alarm_state(
            AlarmName="myapp-prod-payment-failures", StateValue="ALARM", StateReason="declines"
        )
        sw.click(approval_id, APPROVER_U)
        assert "approval refused: alarm myapp-prod-payment-failures is ALARM" in sw.last_answer()
        assert sw.world.workflow.describe(arn)["status"] == "RUNNING"
        record = sw.world.workflow.record(release_id)
        assert record["approval_refused"]["problems"] == ["alarm myapp-prod-payment-failures is ALARM"]
        # once the alarm clears, the same button works
        sw.world.workflow.aws.cloudwatch.set_alarm_state(
            AlarmName="myapp-prod-payment-failures", StateValue="OK", StateReason="fine"
        )
        sw.click(approval_id, APPROVER_U)
        assert sw.world.workflow.wait_for_end(arn)["status"] == "SUCCEEDED"


def test_idle_changed_since_the_request_refuses_the_approval() -> None:
    with slack_release_world() as sw:
        arn, _release_id, approval_id = sw.start()
        k8s.AppsV1Api(sw.world.kube.api_client()).patch_namespaced_deployment(
            "payment",
            "green",
            {
                "spec": {
                    "template": {
                        "spec": {"containers": [{"name": "payment", "image": f"{REPO}/payment:hotfix"}]}
                    }
                }
            },
        )
        sw.click(approval_id, APPROVER_U)
        assert "payment changed in green since approval was requested" in sw.last_answer()
        assert sw.world.workflow.describe(arn)["status"] == "RUNNING"
        sw.reject(approval_id, APPROVER_U, "idle was changed by hand")
        assert sw.world.workflow.wait_for_end(arn)["status"] == "FAILED"
