"""The gateway's AWS client must not drag in the heavy libraries it exists to replace."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("boto3", "botocore", "pydantic", "urllib.request", "requests", "httpx")


def test_importing_the_aws_client_loads_only_the_standard_library():
    # Given a fresh interpreter
    script = (
        "import json, sys\n"
        "import bluegreen.gateway.aws\n"
        f"print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))\n"
    )

    # When it imports bluegreen.gateway.aws
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )

    # Then none of the heavy modules were imported
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
