"""A stateful fake Kubernetes API server on 127.0.0.1 for the official ``kubernetes`` client.

Call the tests that use it "fake-apiserver" tests, never EKS tests. What it still does not model
is listed in docs/architecture.md ("What the fakes do not check").
"""

from __future__ import annotations

from bluegreen.local.fake_kube.controller import RolloutMode
from bluegreen.local.fake_kube.server import DEFAULT_CONTROLLER_LAG, FakeKubeServer, RecordedRequest
from bluegreen.local.fake_kube.store import ChangeListener

__all__ = ["DEFAULT_CONTROLLER_LAG", "ChangeListener", "FakeKubeServer", "RecordedRequest", "RolloutMode"]
