"""Doctor's AWS calls go through a session that refuses anything but reads (moto in-process)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from bluegreen.doctor import DoctorWriteError, forbid_writes


def test_a_guarded_session_reads_but_never_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        boto3.client("ssm", region_name="us-east-1").put_parameter(Name="/p", Value="blue", Type="String")
        session = boto3.session.Session(region_name="us-east-1")
        forbid_writes(session.events)
        ssm = session.client("ssm")
        assert ssm.get_parameter(Name="/p")["Parameter"]["Value"] == "blue"
        with pytest.raises(DoctorWriteError, match="ssm PutParameter refused"):
            ssm.put_parameter(Name="/p", Value="green", Type="String", Overwrite=True)
        assert ssm.get_parameter(Name="/p")["Parameter"]["Value"] == "blue"
