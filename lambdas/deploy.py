"""DeployToIdle: every service into the idle namespace, as the active colour runs it plus the release."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from bluegreen.lambda_support import RuntimeHolder, classified_failures, logger
from bluegreen.models import ReleaseContext
from bluegreen.release.deploy import deploy_to_idle
from bluegreen.runtime import Runtime

runtime = RuntimeHolder()


class Event(BaseModel):
    release: ReleaseContext


@logger.inject_lambda_context
@classified_failures
def handler(event: dict[str, Any], context: LambdaContext, rt: Runtime | None = None) -> dict[str, Any]:
    release = Event.model_validate(event).release
    rt = runtime.get(rt)
    manifests = rt.manifest_store().read(release.manifests) if release.manifests else None
    return deploy_to_idle(release, rt, manifests).model_dump(mode="json")
