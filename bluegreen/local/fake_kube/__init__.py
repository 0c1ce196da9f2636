"""A stateful fake Kubernetes API server on 127.0.0.1 for the official ``kubernetes`` client.

Call the tests that use it "fake-apiserver" tests, never EKS tests.
"""

from __future__ import annotations

from bluegreen.local.fake_kube.controller import RolloutMode
from bluegreen.local.fake_kube.server import FakeKubeServer, RecordedRequest
from bluegreen.local.fake_kube.store import ChangeListener

__all__ = ["ChangeListener", "FakeKubeServer", "RecordedRequest", "RolloutMode"]
