"""The agent's own errors.

Deliberately not subclasses of `bluegreen.errors.BlueGreenError`: those names are the release
workflow's ErrorEquals contract, and nothing here ever crosses into a Lambda.
"""

from __future__ import annotations


class GatewayAgentError(Exception):
    """Base class for everything the agent reports and survives."""


class ParameterSourceError(GatewayAgentError):
    """The active-colour parameter could not be read."""


class ParameterMissingError(ParameterSourceError):
    """The parameter does not exist (deleted, or wrong name in the config)."""


class ParameterThrottledError(ParameterSourceError):
    """SSM answered ThrottlingException: the account's GetParameter throughput is exhausted."""


class ParameterUnavailableError(ParameterSourceError):
    """SSM could not be reached or failed (network, timeout, 5xx, credentials)."""


class ApplyError(GatewayAgentError):
    """Nginx did not take the colour: `nginx -t` refused it, reload failed, or the admin location said no."""


class AckWriteError(GatewayAgentError):
    """The acknowledgement could not be written to DynamoDB."""


class StateError(GatewayAgentError):
    """The persisted state file could not be read or written."""
