"""Controller leftovers against the emulator (moto): what is tagged for the cluster goes, what is
not stays, and what cannot go ends the wait with one line instead of a hang."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from deployment.load_balancers import (
    LeftoversRemain,
    controller_leftovers,
    remove_controller_leftovers,
)
from rehearsal.controller import make_ingress_load_balancer

REGION = "eu-west-1"
CLUSTER = "djeks-dev"


class FakeClock:
    """Time that passes only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps = 0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds


@pytest.fixture
def aws():
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        elbv2 = boto3.client("elbv2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{REGION}{zone}")[
                "Subnet"
            ]["SubnetId"]
            for cidr, zone in (("10.10.0.0/24", "a"), ("10.10.1.0/24", "b"))
        ]
        yield ec2, elbv2, vpc, subnets


def test_what_the_controller_made_for_the_cluster_goes_and_nothing_else(aws):
    ec2, elbv2, vpc, subnets = aws
    ours = make_ingress_load_balancer(
        ec2, elbv2, cluster=CLUSTER, vpc=vpc, subnets=subnets, name="app"
    )
    theirs = make_ingress_load_balancer(
        ec2, elbv2, cluster="another-cluster", vpc=vpc, subnets=subnets, name="other"
    )
    found = controller_leftovers(elbv2, ec2, CLUSTER)
    assert found.load_balancers == (ours.load_balancer,)
    assert found.target_groups == (ours.target_group,)
    assert found.security_groups == (ours.security_group,)

    clock = FakeClock()
    remove_controller_leftovers(elbv2, ec2, CLUSTER, poll_seconds=1, clock=clock, sleep=clock.sleep)

    assert not controller_leftovers(elbv2, ec2, CLUSTER)
    balancers = {b["LoadBalancerArn"] for b in elbv2.describe_load_balancers()["LoadBalancers"]}
    assert balancers == {theirs.load_balancer}
    groups = {g["TargetGroupArn"] for g in elbv2.describe_target_groups()["TargetGroups"]}
    assert groups == {theirs.target_group}
    security_groups = {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    assert theirs.security_group in security_groups
    assert ours.security_group not in security_groups


def test_nothing_tagged_returns_at_once(aws):
    ec2, elbv2, _vpc, _subnets = aws
    clock = FakeClock()
    remove_controller_leftovers(elbv2, ec2, CLUSTER, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == 0


def test_an_interface_that_does_not_go_ends_the_wait_with_one_line(aws):
    ec2, elbv2, vpc, subnets = aws
    made = make_ingress_load_balancer(
        ec2, elbv2, cluster=CLUSTER, vpc=vpc, subnets=subnets, name="app"
    )
    # As AWS keeps a deleted load balancer's interfaces for a while: requester-managed, in use.
    interface = ec2.create_network_interface(SubnetId=subnets[0], Groups=[made.security_group])[
        "NetworkInterface"
    ]["NetworkInterfaceId"]
    clock = FakeClock()
    with pytest.raises(LeftoversRemain) as refused:
        remove_controller_leftovers(
            elbv2, ec2, CLUSTER, timeout_seconds=60, poll_seconds=10, clock=clock, sleep=clock.sleep
        )
    message = str(refused.value)
    assert "\n" not in message
    assert f"cluster {CLUSTER} is still there after 60 s" in message
    assert f"security groups {made.security_group}; network interfaces {interface}" in message
    assert clock.now == 60  # waited the timeout, and no longer
    # What could go went: the load balancer and its target group.
    left = controller_leftovers(elbv2, ec2, CLUSTER)
    assert (left.load_balancers, left.target_groups) == ((), ())
    # Once the interface is gone, running it again finishes the job.
    ec2.delete_network_interface(NetworkInterfaceId=interface)
    remove_controller_leftovers(elbv2, ec2, CLUSTER, clock=clock, sleep=clock.sleep)
    assert not controller_leftovers(elbv2, ec2, CLUSTER)
