"""The network stack: a multi-AZ VPC hardened and tagged for EKS."""

from __future__ import annotations

import ipaddress
import json

import pytest

from infra_constructs.network import Network, NetworkProps
from infra_constructs.subnet_plan import plan_subnets
from synth_helpers import only_resource, resources, synth_construct


def subnets(stack: dict, kind: str) -> list[dict]:
    return [s for s in resources(stack, "aws_subnet") if s["tags"]["Name"].split("-")[-2] == kind]


@pytest.mark.parametrize(
    ("environment", "zones"),
    [
        ("dev", ["eu-west-1a", "eu-west-1b"]),
        ("prod", ["eu-west-1a", "eu-west-1b", "eu-west-1c"]),
    ],
)
def test_one_public_and_one_private_subnet_per_pinned_az(synth, environment, zones):
    stack = synth(environment).stacks["network"]
    for kind in ("public", "private"):
        assert [s["availability_zone"] for s in subnets(stack, kind)] == zones
    assert "aws_availability_zones" not in stack.get("data", {})


def test_without_pinned_zones_the_first_available_ones_are_used():
    def build(stack):
        Network(
            stack,
            "network",
            props=NetworkProps(
                name="n", region="eu-west-1", cidr="10.0.0.0/16", cluster_name="c", az_count=2
            ),
        )

    stack = json.loads(synth_construct(build))
    [(key, zones)] = stack["data"]["aws_availability_zones"].items()
    assert zones["state"] == "available"
    assert zones["filter"] == [{"name": "opt-in-status", "values": ["opt-in-not-required"]}]
    assert sorted(s["availability_zone"] for s in resources(stack, "aws_subnet")) == sorted(
        [f"${{element(data.aws_availability_zones.{key}.names, {i})}}" for i in range(2)] * 3
    )


def test_subnets_are_inside_the_vpc_and_do_not_overlap(prod):
    stack = prod.stacks["network"]
    vpc = ipaddress.IPv4Network(only_resource(stack, "aws_vpc")["cidr_block"])
    blocks = [ipaddress.IPv4Network(s["cidr_block"]) for s in resources(stack, "aws_subnet")]
    assert all(block.subnet_of(vpc) for block in blocks)
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1 :])


def test_subnets_carry_the_tags_eks_and_the_load_balancer_controller_need(dev):
    stack = dev.stacks["network"]
    for subnet in subnets(stack, "public"):
        assert subnet["tags"]["kubernetes.io/role/elb"] == "1"
        assert subnet["tags"]["kubernetes.io/cluster/djeks-dev"] == "shared"
    for subnet in subnets(stack, "private"):
        assert subnet["tags"]["kubernetes.io/role/internal-elb"] == "1"
        assert subnet["tags"]["kubernetes.io/cluster/djeks-dev"] == "shared"


def test_public_subnets_do_not_assign_public_ips(prod):
    assert all(
        s["map_public_ip_on_launch"] is False for s in subnets(prod.stacks["network"], "public")
    )


def test_prod_has_a_nat_gateway_per_az_and_dev_shares_one(dev, prod):
    assert len(resources(prod.stacks["network"], "aws_nat_gateway")) == 3
    assert len(resources(dev.stacks["network"], "aws_nat_gateway")) == 1


def test_each_private_subnet_routes_to_the_internet_through_nat(prod):
    stack = prod.stacks["network"]
    routes = [r for r in resources(stack, "aws_route") if "nat_gateway_id" in r]
    assert len(routes) == 3
    assert {r["destination_cidr_block"] for r in routes} == {"0.0.0.0/0"}
    assert len({r["nat_gateway_id"] for r in routes}) == 3
    igw_routes = [r for r in resources(stack, "aws_route") if "gateway_id" in r]
    assert len(igw_routes) == 1


def test_default_security_group_has_no_rules(dev):
    group = only_resource(dev.stacks["network"], "aws_default_security_group")
    assert group["ingress"] == [] and group["egress"] == []


def test_flow_logs_capture_everything_into_a_bounded_log_group(prod):
    stack = prod.stacks["network"]
    flow_log = only_resource(stack, "aws_flow_log")
    assert flow_log["traffic_type"] == "ALL"
    assert flow_log["log_destination_type"] == "cloud-watch-logs"
    group = only_resource(stack, "aws_cloudwatch_log_group")
    assert group["retention_in_days"] == 365


def test_flow_log_role_may_only_write_to_its_log_group(dev):
    stack = dev.stacks["network"]
    trust = json.loads(only_resource(stack, "aws_iam_role")["assume_role_policy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    [statement] = json.loads(only_resource(stack, "aws_iam_role_policy")["policy"])["Statement"]
    [group] = stack["resource"]["aws_cloudwatch_log_group"]
    group_arn = f"${{aws_cloudwatch_log_group.{group}.arn}}"
    assert statement["Resource"] == [group_arn, f"{group_arn}:*"]
    assert all(action.startswith("logs:") for action in statement["Action"])


def test_s3_gateway_endpoint_serves_the_private_route_tables(prod):
    endpoint = only_resource(prod.stacks["network"], "aws_vpc_endpoint")
    assert endpoint["vpc_endpoint_type"] == "Gateway"
    assert endpoint["service_name"] == "com.amazonaws.eu-west-1.s3"
    assert len(endpoint["route_table_ids"]) == 3


def test_outputs_give_the_cluster_what_it_needs(dev):
    assert {"vpc_id", "private_subnet_ids", "public_subnet_ids"} <= set(
        dev.stacks["network"]["output"]
    )


def test_subnet_plan_is_aligned_and_rejects_what_does_not_fit():
    plan = plan_subnets("10.0.0.0/16", 3, private_newbits=4, public_newbits=8)
    assert plan.private == ("10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20")
    assert plan.public == ("10.0.48.0/24", "10.0.49.0/24", "10.0.50.0/24")
    with pytest.raises(ValueError, match="3 subnets of /17 do not fit in 10.0.0.0/16"):
        plan_subnets("10.0.0.0/16", 3, private_newbits=1, public_newbits=2)


def test_props_refuse_a_single_az():
    with pytest.raises(ValueError, match="NetworkProps.az_count: 1 must be at least 2"):
        NetworkProps(name="n", region="eu-west-1", cidr="10.0.0.0/16", cluster_name="c", az_count=1)


def test_database_subnets_follow_the_others_and_have_no_route_out():
    def build(stack):
        Network(
            stack,
            "network",
            props=NetworkProps(
                name="n",
                region="eu-west-1",
                cidr="10.0.0.0/16",
                cluster_name="c",
                az_count=2,
                availability_zones=("eu-west-1a", "eu-west-1b"),
            ),
        )

    stack = json.loads(synth_construct(build))
    subnets = {s["tags"]["Name"]: s for s in resources(stack, "aws_subnet")}
    assert {name: s["cidr_block"] for name, s in subnets.items()} == {
        "n-private-0": "10.0.0.0/20",
        "n-private-1": "10.0.16.0/20",
        "n-public-0": "10.0.32.0/24",
        "n-public-1": "10.0.33.0/24",
        "n-database-0": "10.0.34.0/24",
        "n-database-1": "10.0.35.0/24",
    }
    assert set(subnets["n-database-0"]["tags"]) == {"Name"}, "no cluster or ELB role tag"
    tables = stack["resource"]["aws_route_table"]
    [database_table] = [key for key in tables if key.startswith("network_database-routes")]
    routes = resources(stack, "aws_route")
    assert not [r for r in routes if database_table in r["route_table_id"]]
    associations = resources(stack, "aws_route_table_association")
    database_ids = {key for key in stack["resource"]["aws_subnet"] if "database" in key}
    assert {
        a["subnet_id"].split(".")[1] for a in associations if database_table in a["route_table_id"]
    } == database_ids
