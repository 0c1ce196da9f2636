"""Each handler of a local run acts with the credentials of its own role, built from the template.

On AWS a function's SDK calls are signed with its execution role's credentials. Here every role of
the synthesized template becomes an IAM role in moto with the template's policies (resolved to
the local resources), assumed once; while a handler runs (`acting_as`), every request its thread
signs — whichever client makes it — is signed with that role's session credentials, and moto
enforces the role's policies (bluegreen/local/iam_enforcement.py). Everything else — the test's
set-up, seeding, starting executions, reading results — is signed as an administrator.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from botocore.credentials import Credentials
from botocore.signers import RequestSigner

from bluegreen.local.iam_enforcement import CallLog, enforced_iam
from bluegreen.local.template_roles import LocalNames, RolePolicies, roles_from_template

ADMIN_USER = "bluegreen-local-admin"
ROLE_PREFIX = "bluegreen-local-"
ALLOW_EVERYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass(frozen=True)
class Identity:
    name: str
    arn: str
    credentials: Credentials


class LocalIam:
    """The administrator and one assumed role per template role, inside a running moto.

    `start()` needs moto's backends (the in-process mock or a server in this process) and an IAM
    client that reaches them; from then on every request moto serves is authorized."""

    def __init__(self, roles: Mapping[str, RolePolicies], log: CallLog | None = None) -> None:
        self.roles = dict(roles)
        self.log = log or CallLog()
        self.admin: Identity
        self.identities: dict[str, Identity] = {}
        self._acting = threading.local()

    # -- set-up ---------------------------------------------------------------------------------

    def start(self, stack: ExitStack, account: str, region: str) -> None:
        """Create the identities in moto's IAM and STS, then enforce every request moto serves.

        They are created in moto's backends directly rather than through its API: some sixty calls
        a run would cost about a second each time, for nothing the test is about. The policy
        documents still go through moto's validator, as PutRolePolicy would send them."""
        from moto.iam.models import iam_backends
        from moto.sts.models import sts_backends
        from moto.utilities.utils import get_partition

        partition = get_partition(region)
        iam = iam_backends[account][partition]
        sts = sts_backends[account][partition]
        user = iam.create_user(region, ADMIN_USER)
        iam.put_user_policy(ADMIN_USER, "everything", json.dumps(ALLOW_EVERYTHING))
        key = iam.create_access_key(ADMIN_USER)
        self.admin = Identity(ADMIN_USER, user.arn, Credentials(key.access_key_id, key.secret_access_key))
        for role in self.roles.values():
            role_arn = self._create_role(iam, role)
            assumed = sts.assume_role(
                region_name=region,
                role_session_name=role.name,
                role_arn=role_arn,
                policy="",
                duration=3600,
                external_id="",
            )
            credentials = Credentials(assumed.access_key_id, assumed.secret_access_key, assumed.session_token)
            self.identities[role.name] = Identity(role.name, assumed.arn, credentials)
        stack.enter_context(enforced_iam(self.log))
        stack.enter_context(_executions_act_as_their_role(self))
        stack.enter_context(_threads_inherit_the_acting_role(self))
        stack.enter_context(mock.patch.object(RequestSigner, "get_auth_instance", self._signer_patch()))

    def _create_role(self, iam: Any, role: RolePolicies) -> str:
        """The role with the template's policies as one inline policy; returns its ARN."""
        # Locally the administrator stands in for the Lambda service: it may assume the role.
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": self.admin.arn}, "Action": "sts:AssumeRole"}
            ],
        }
        name = ROLE_PREFIX + role.name
        created = iam.create_role(
            role_name=name,
            assume_role_policy_document=json.dumps(trust),
            path="/",
            permissions_boundary=None,
            description=f"the template's {role.logical_id}",
            tags=[],
            max_session_duration=None,
        )
        document = {"Version": "2012-10-17", "Statement": role.statements()}
        iam.put_role_policy(name, "template", json.dumps(document))
        return str(created.arn)

    # -- who signs ------------------------------------------------------------------------------

    def _signer_patch(self) -> Any:
        original = RequestSigner.get_auth_instance
        local = self

        def get_auth_instance(signer: RequestSigner, *args: Any, **kwargs: Any) -> Any:
            kwargs["request_credentials"] = local.credentials_for(signer)
            return original(signer, *args, **kwargs)

        return get_auth_instance

    def credentials_for(self, signer: RequestSigner) -> Credentials:
        """The role acting on this thread, else the administrator."""
        acting = self.acting
        return acting.credentials if acting is not None else self.admin.credentials

    @property
    def acting(self) -> Identity | None:
        """The role acting on this thread, if any."""
        identity: Identity | None = getattr(self._acting, "identity", None)
        return identity

    @contextmanager
    def acting_as(self, name: str) -> Iterator[Identity]:
        """Sign every request of this thread with role `name`'s credentials until the block ends."""
        identity = self.identities[name]
        previous = self.acting
        self._acting.identity = identity
        try:
            yield identity
        finally:
            self._acting.identity = previous

    @contextmanager
    def acting_identity(self, identity: Identity | None) -> Iterator[None]:
        previous = self.acting
        self._acting.identity = identity
        try:
            yield
        finally:
            self._acting.identity = previous

    def role_named(self, role_arn: str) -> str | None:
        """The role an ARN names, when it is one of the template's (`local_role_arn`)."""
        name = role_arn.rsplit(":role/", 1)[-1].removeprefix(ROLE_PREFIX)
        return name if role_arn.endswith(f":role/{ROLE_PREFIX}{name}") and name in self.identities else None

    def environment(self) -> dict[str, str]:
        """The administrator's credentials, for processes that talk to this run (the CLI, agents)."""
        return {
            "AWS_ACCESS_KEY_ID": self.admin.credentials.access_key,
            "AWS_SECRET_ACCESS_KEY": self.admin.credentials.secret_key,
        }


@dataclass(frozen=True)
class IamEnforcement:
    """What a local run enforces: the synthesized template's roles; where the decisions go."""

    template: Mapping[str, Any]
    log: CallLog = field(default_factory=CallLog)

    def start(self, stack: ExitStack, names: LocalNames) -> LocalIam:
        iam = LocalIam(roles_from_template(self.template, names), self.log)
        iam.start(stack, names.account, names.region)
        return iam


def as_administrator(iam: LocalIam | None) -> contextlib.AbstractContextManager[object]:
    """The harness's own requests in the middle of an execution (stand-in gateways, observers)."""
    if iam is None:
        return contextlib.nullcontext()
    return iam.acting_identity(None)


def acting_as(iam: LocalIam | None, name: str) -> contextlib.AbstractContextManager[object]:
    """`iam.acting_as(name)` when IAM is enforced; without enforcement nothing changes."""
    if iam is None:
        return contextlib.nullcontext()
    return iam.acting_as(name)


def local_role_arn(name: str, account: str) -> str:
    """The local stand-in of the template's role `name` (`ReleaseWorkflow`, `Prepare`, ...)."""
    return f"arn:aws:iam::{account}:role/{ROLE_PREFIX}{name}"


@contextmanager
def _executions_act_as_their_role(iam: LocalIam) -> Iterator[None]:
    """An execution's own requests (its Lambda invokes) are signed with its state machine's role,
    when that role is one of the template's; a handler it invokes acts as the handler's role."""
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original: Any = ExecutionWorker._execution_logic

    def execution_logic(worker: Any) -> None:
        role = iam.role_named(str(worker._evaluation_details.execution_details.role_arn))
        with acting_as(iam, role) if role else contextlib.nullcontext():
            original(worker)

    with mock.patch.object(ExecutionWorker, "_execution_logic", execution_logic):
        yield


@contextmanager
def _threads_inherit_the_acting_role(iam: LocalIam) -> Iterator[None]:
    """A thread started while a role acts acts as that role too, as everything in a Lambda container
    runs with its role's credentials: a handler's worker threads, and the threads moto's interpreter
    starts for each state of an execution."""
    original: Any = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        identity = iam.acting
        if identity is not None:
            run = thread.run

            def run_as_the_starting_role() -> None:
                with iam.acting_identity(identity):
                    run()

            thread.run = run_as_the_starting_role  # type: ignore[method-assign]
        original(thread)

    with mock.patch.object(threading.Thread, "start", start):
        yield
