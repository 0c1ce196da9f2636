"""boto3 clients with the retry behaviour every adapter wants.

Parameter Store's throughput (40 TPS standard) is shared with the gateways' polling, so clients
back off with jitter on throttling (botocore's standard retry mode) instead of failing at once.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

RETRYING = Config(retries={"max_attempts": 6, "mode": "standard"}, connect_timeout=5, read_timeout=20)


def client(service: str, session: boto3.session.Session | None = None, **kwargs: Any) -> Any:
    return (session or boto3.session.Session()).client(service, config=RETRYING, **kwargs)  # type: ignore[call-overload]
