"""rehearsal.eks_stand_in against the emulator: the cluster security group EKS would make."""

from __future__ import annotations

import pytest

from rehearsal.eks_stand_in import (
    STAND_IN_TAG,
    add_cluster_security_group,
    remove_cluster_security_groups,
)
from rehearsal.emulator import running_emulator


@pytest.fixture(scope="module")
def emulator():
    with running_emulator("eu-west-1") as running:
        yield running


def test_the_group_is_made_recorded_in_the_cluster_and_removed(emulator):
    ec2, eks, iam = emulator.client("ec2"), emulator.client("eks"), emulator.client("iam")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.0.0.0/24", "eu-west-1a"), ("10.0.1.0/24", "eu-west-1b"))
    ]
    role = iam.create_role(RoleName="c", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    eks.create_cluster(name="shop-dev", roleArn=role, resourcesVpcConfig={"subnetIds": subnets})
    assert (
        "clusterSecurityGroupId"
        not in (eks.describe_cluster(name="shop-dev")["cluster"]["resourcesVpcConfig"])
    ), "moto makes none (if it ever does, the stand-in can go)"

    group = add_cluster_security_group(emulator, "shop-dev")
    config = eks.describe_cluster(name="shop-dev")["cluster"]["resourcesVpcConfig"]
    assert config["clusterSecurityGroupId"] == group
    assert config["subnetIds"] == subnets
    [made] = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert made["VpcId"] == vpc
    tags = {tag["Key"]: tag["Value"] for tag in made["Tags"]}
    assert tags == {"kubernetes.io/cluster/shop-dev": "owned", STAND_IN_TAG: "eks"}
    assert add_cluster_security_group(emulator, "shop-dev") == group, "made once"

    assert remove_cluster_security_groups(emulator) == [group]
    assert not ec2.describe_security_groups(
        Filters=[{"Name": "tag-key", "Values": [STAND_IN_TAG]}]
    )["SecurityGroups"]
