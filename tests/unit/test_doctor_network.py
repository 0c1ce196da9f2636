"""How doctor reads a subnet's way out from route tables (pure: plain DescribeRouteTables shapes)."""

from __future__ import annotations

from typing import Any

from bluegreen.doctor.network import egress_of, route_table_of

MAIN = {
    "RouteTableId": "rtb-main",
    "Associations": [{"Main": True}],
    "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "active"}],
}


def table(table_id: str, subnet: str, **target: str) -> dict[str, Any]:
    routes = [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}]
    if target:
        routes.append({"DestinationCidrBlock": "0.0.0.0/0", "State": "active", **target})
    return {"RouteTableId": table_id, "Associations": [{"SubnetId": subnet}], "Routes": routes}


def test_a_subnet_without_its_own_table_uses_the_main_one() -> None:
    tables = [MAIN, table("rtb-a", "subnet-a")]
    assert route_table_of("subnet-b", tables) is MAIN
    assert route_table_of("subnet-a", tables) is tables[1]


def test_egress_kinds() -> None:
    nat = {"nat-1": "available", "nat-2": "deleted"}
    tables = [
        MAIN,
        table("rtb-a", "subnet-a"),
        table("rtb-b", "subnet-b", GatewayId="igw-1"),
        table("rtb-c", "subnet-c", TransitGatewayId="tgw-1"),
        table("rtb-d", "subnet-d", NatGatewayId="nat-2"),
    ]
    kinds = {
        s: egress_of({"SubnetId": s}, tables, nat).kind
        for s in ("subnet-a", "subnet-b", "subnet-c", "subnet-d", "subnet-e")
    }
    assert kinds == {
        "subnet-a": "none",  # its own table has no default route
        "subnet-b": "igw",
        "subnet-c": "other",
        "subnet-d": "none",  # the NAT gateway is gone
        "subnet-e": "nat",  # the main table's
    }


def test_a_blackhole_route_is_no_way_out() -> None:
    blackhole = table("rtb-a", "subnet-a", NatGatewayId="nat-1")
    blackhole["Routes"][-1]["State"] = "blackhole"
    assert egress_of({"SubnetId": "subnet-a"}, [blackhole], {"nat-1": "available"}).kind == "none"
