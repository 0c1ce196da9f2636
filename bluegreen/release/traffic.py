"""Read where traffic is right now: the parameter (fresh) and the gateways' acknowledgements.

Never raises: an unreadable fact is a fact too ("unknown"), and the caller reports it.
"""

from __future__ import annotations

from bluegreen.release.endings import Observed
from bluegreen.release.gateways import evaluate_confirmation
from bluegreen.runtime import Runtime


def observe_traffic(rt: Runtime) -> Observed:
    try:
        parameter = rt.colors.read()
    except Exception as exc:  # throttled, denied, garbage value: all mean "unknown"
        return Observed(parameter=None, parameter_error=str(exc) or type(exc).__name__)
    gateways = rt.config.gateways
    try:
        acks = rt.require_acks().all()
    except Exception as exc:
        return Observed(parameter=parameter, gateways_error=str(exc) or type(exc).__name__)
    confirmation = evaluate_confirmation(
        acks,
        target=parameter.color,
        version=parameter.version,
        now=rt.clock(),
        liveness_seconds=gateways.liveness_seconds,
        min_live=gateways.min_live,
    )
    return Observed(parameter=parameter, gateways=confirmation)
