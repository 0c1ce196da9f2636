"""The minute's traffic sample (SampleTraffic), run under its own role against a release world: the
dashboard's live colour and gateway health come from the parameter and the acknowledgements."""

from __future__ import annotations

from bluegreen.metrics.names import Metric
from tests.emf import emf_metrics, values
from tests.integration.release_world import release_world


def test_the_sample_follows_traffic_and_names_a_gateway_that_stopped_heartbeating() -> None:
    with release_world() as world:
        workflow = world.workflow
        # Given a release that moved traffic to green, every gateway following
        _, execution = world.release("v2")
        assert execution["status"] == "SUCCEEDED"
        printed = len(workflow.emf.lines)
        # When the minute's sample runs
        sample = workflow.call_handler("SampleTraffic", {})
        # Then it says green is live and every gateway serves it
        gateways = sorted(world.config.gateways.ids)
        assert (sample["color"], sorted(sample["live"]), sample["lagging"], sample["silent"]) == (
            "green",
            gateways,
            [],
            [],
        )
        metrics = emf_metrics("\n".join(workflow.emf.lines[printed:]))
        assert values(metrics, Metric.ACTIVE_COLOR, Color="green") == [1.0]
        assert values(metrics, Metric.ACTIVE_COLOR, Color="blue") == [0.0]
        assert values(metrics, Metric.LIVE_GATEWAYS) == [float(len(gateways))]

        # Given one gateway stops heartbeating for longer than the liveness window
        silent = gateways[0]
        workflow.aws.gateways.mode[silent] = "silent"
        workflow.aws.clock.advance(world.config.gateways.liveness_seconds + 1)
        workflow.aws.gateways.tick()
        # When the next sample runs
        sample = workflow.call_handler("SampleTraffic", {})
        # Then it names that gateway, and counts one live gateway fewer
        assert sample["silent"] == [silent]
        assert silent not in sample["live"]
