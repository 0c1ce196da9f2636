"""Collects check results; an error while checking is itself a failed check, never a crash."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError
from kubernetes.client import ApiException
from slack_sdk.errors import SlackClientError
from urllib3.exceptions import HTTPError

from bluegreen.doctor.result import CheckResult, Group, Status, fail

ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException"}
DOCTOR_POLICY_FIX = (
    "run doctor with an identity that may read it (docs/operations.md, 'What doctor needs to read')"
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def describe_error(exc: Exception) -> tuple[str, str]:
    """(what went wrong, how to fix it) for an error raised while checking."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = exc.response.get("Error", {}).get("Message", "")
        if code in ACCESS_DENIED:
            return f"access denied ({code}: {message})", DOCTOR_POLICY_FIX
        return f"{code}: {message}", "see the AWS error above"
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials", "set AWS_PROFILE or credentials for the account the stack is in"
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach AWS: {exc}", "check the region and the network to the AWS endpoints"
    if isinstance(exc, BotoCoreError):
        return f"AWS: {exc}", "check the region and credentials"
    if isinstance(exc, ApiException):
        if exc.status in (401, 403):
            return (
                f"Kubernetes answered {exc.status} {exc.reason}",
                "give your identity read access to the namespaces (an EKS access entry with "
                "AmazonEKSViewPolicy), or pass --kubeconfig",
            )
        return f"Kubernetes answered {exc.status} {exc.reason}", "see the Kubernetes error above"
    if isinstance(exc, HTTPError | OSError):
        return f"cannot reach the Kubernetes API: {exc}", "check the cluster endpoint and your network"
    if isinstance(exc, SlackClientError):
        return f"Slack: {exc}", "check the network to slack.com"
    return f"{type(exc).__name__}: {exc}", "see the error above"


class Checks:
    """The results so far, in order."""

    def __init__(self) -> None:
        self.results: list[CheckResult] = []

    def add(self, result: CheckResult) -> None:
        self.results.append(result)

    def failures_in(self, group: Group) -> list[CheckResult]:
        return [r for r in self.results if r.group is group and r.status is Status.FAIL]

    @contextmanager
    def guard(self, group: Group, check: str) -> Iterator[None]:
        """Run a check; an exception becomes one failed line for it, and the next check runs."""
        try:
            yield
        except Exception as exc:  # each check reports its own failure, whatever it is
            detail, fix = describe_error(exc)
            self.add(fail(group, check, f"could not check: {detail}", fix))
