from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bluegreen.adapters.gateway_acks import GatewayAck, parse_ack
from bluegreen.colors import Color
from bluegreen.release.gateways import evaluate_confirmation

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def ack(gateway_id: str, color: str, version: int, age_seconds: float = 1) -> GatewayAck:
    return GatewayAck(gateway_id, color, version, NOW - timedelta(seconds=age_seconds))


def evaluate(*acks: GatewayAck, min_live: int = 1):
    return evaluate_confirmation(
        list(acks), target=Color.GREEN, version=7, now=NOW, liveness_seconds=10, min_live=min_live
    )


def test_confirmed_when_every_live_gateway_holds_the_version() -> None:
    assert evaluate(ack("a", "green", 7), ack("b", "green", 8)).confirmed


def test_a_lagging_live_gateway_blocks_and_is_named() -> None:
    result = evaluate(ack("a", "green", 7), ack("b", "blue", 6))
    assert not result.confirmed
    assert "b holds blue v6" in result.reason


def test_dead_gateways_are_ignored_but_not_all_of_them() -> None:
    assert evaluate(ack("a", "green", 7), ack("b", "blue", 6, age_seconds=60)).confirmed
    result = evaluate(ack("a", "green", 7, age_seconds=60))
    assert not result.confirmed
    assert "0 live gateway(s)" in result.reason


def test_no_gateway_at_all_is_never_a_success() -> None:
    assert not evaluate().confirmed


def test_min_live_counts_live_gateways() -> None:
    assert not evaluate(ack("a", "green", 7), min_live=2).confirmed


def test_malformed_ack_items_read_as_missing_not_as_confirmation() -> None:
    parsed = parse_ack(
        {"gateway_id": "a", "color": "green", "parameter_version": "x", "heartbeat_at": "yesterday"}
    )
    assert parsed.parameter_version is None
    assert parsed.heartbeat_at is None
    assert not evaluate(parsed).confirmed
    naive = parse_ack({"gateway_id": "a", "heartbeat_at": "2026-11-26T12:00:00"})  # no timezone: not trusted
    assert naive.heartbeat_at is None
