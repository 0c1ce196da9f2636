"""SlackInteractions (Lambda Function URL, auth NONE: Slack signs its requests, verified first).

Answers within Slack's three seconds: the decision goes through `approval.decide`, the clicker
gets an ephemeral answer through the interaction's response_url, the message is updated in place.
Neither the request body nor the headers are logged.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from bluegreen.lambda_support import RuntimeHolder, logger
from bluegreen.release.slack_interaction import SlackInteractions, request_body
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()
_interactions: SlackInteractions | None = None


def _from_environment(rt: Runtime) -> SlackInteractions:
    from bluegreen.adapters.aws import client
    from bluegreen.smoke import SecretsManagerSecrets

    secret_name = rt.config.approvals.slack_signing_secret_secret
    if secret_name is None:
        raise ValueError("approvals.slack_signing_secret_secret is not configured")
    return SlackInteractions(
        signing_secret=lambda: SecretsManagerSecrets(client("secretsmanager")).get_secret(secret_name)
    )


@logger.inject_lambda_context(log_event=False)
def handler(
    event: dict[str, Any],
    context: LambdaContext,
    rt: Runtime | None = None,
    interactions: SlackInteractions | None = None,
) -> dict[str, Any]:
    global _interactions
    runtime_ = runtime.get(rt)
    if interactions is None:
        _interactions = _interactions or _from_environment(runtime_)
        interactions = _interactions
    headers = {str(k): str(v) for k, v in (event.get("headers") or {}).items()}
    return interactions.handle(request_body(event), headers, runtime_).as_lambda()
