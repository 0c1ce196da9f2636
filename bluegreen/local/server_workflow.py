"""The local workflow with moto as a real HTTP server, so that other clients — the `bluegreen` CLI,
a second terminal, a gateway agent — reach the same AWS as the workflow.

moto's ThreadedMotoServer runs in this process, so the Lambda routing and virtual waits that
LocalWorkflow patches into moto apply to it unchanged. In server mode moto's Step Functions
interpreter calls Lambda over HTTP on `localhost:$MOTO_PORT`: MOTO_PORT is set to the server's port.
Every boto3 client made in this process (the Runtime's, the harness's) goes to the server through
AWS_ENDPOINT_URL, which boto3 honours for every service.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from typing import Any
from unittest import mock

from bluegreen.adapters.kube import ApiClientFactory
from bluegreen.config import AppConfig
from bluegreen.local.workflow import LocalWorkflow

MOTO_CONFIG: dict[str, Any] = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}


class ServerWorkflow(LocalWorkflow):
    """LocalWorkflow on a moto server at `endpoint_url` (a free loopback port unless `port` is given)."""

    def __init__(
        self,
        config: AppConfig,
        kube: ApiClientFactory,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(config, kube, **kwargs)
        self.host = host
        self.port = port
        self.endpoint_url = ""

    def __enter__(self) -> ServerWorkflow:
        try:
            self._start_server()
            # LocalWorkflow's set-up, unchanged, except that moto is the server started above
            # instead of the in-process decorator (which would intercept every boto3 call).
            with mock.patch("moto.mock_aws", return_value=contextlib.nullcontext()):
                super().__enter__()
        except BaseException:
            self._stack.close()
            raise
        return self

    def _start_server(self) -> None:
        from moto.core.config import default_user_config
        from moto.moto_api._internal.models import moto_api_backend
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self._serialize_requests()
        server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        server.start()
        self._stack.callback(server.stop)
        self._stack.callback(moto_api_backend.reset)  # the backends are process-wide: leave them empty
        host, port = server.get_host_and_port()
        self.port = port
        self.endpoint_url = f"http://{host}:{port}"
        self._stack.enter_context(
            mock.patch.dict(os.environ, {"MOTO_PORT": str(port), "AWS_ENDPOINT_URL": self.endpoint_url})
        )
        self._stack.enter_context(mock.patch.dict(default_user_config, MOTO_CONFIG))

    def _serialize_requests(self) -> None:
        """moto's backends are not thread-safe, and the server answers each request on its own
        thread: serialize them, as LocalWorkflow does in decorator mode. A Lambda invoke is left
        out: its handler makes requests of its own, from the server's other threads."""
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        lock = threading.Lock()
        dispatch = DomainDispatcherApplication.__call__

        def serialized(app: Any, environ: dict[str, Any], start_response: Any) -> Any:
            if str(environ.get("PATH_INFO", "")).endswith("/invocations"):
                return dispatch(app, environ, start_response)
            with lock:
                return dispatch(app, environ, start_response)

        self._stack.enter_context(mock.patch.object(DomainDispatcherApplication, "__call__", serialized))

    def environment(self) -> dict[str, str]:
        """What a `bluegreen` CLI in another process needs to reach this workflow's resources.
        With IAM enforced, the credentials are the administrator's (an operator's)."""
        credentials = {
            "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
            "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
            "AWS_SESSION_TOKEN": os.environ.get("AWS_SESSION_TOKEN", "testing"),
        }
        if self.iam is not None:
            credentials = self.iam.environment()
        return {
            "BLUEGREEN_ENDPOINT_URL": self.endpoint_url,
            "BLUEGREEN_STATE_MACHINE_ARN": self.aws.state_machine_arn,
            "BLUEGREEN_RELEASES_TABLE": str(self.aws.releases_table.name),
            "BLUEGREEN_ACKS_TABLE": str(self.aws.acks_table.name),
            "BLUEGREEN_PARAMETER": self.config.parameter_name,
            **credentials,
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            "AWS_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        }
