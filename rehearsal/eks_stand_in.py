"""What EKS makes by itself that the emulator does not: the cluster security group.

On AWS, CreateCluster makes a security group for the control plane and the managed nodes
(`eks-cluster-sg-<name>-...`, tagged `kubernetes.io/cluster/<name> = owned`) and returns its id as
`resourcesVpcConfig.clusterSecurityGroupId`; DeleteCluster deletes it. moto 5.2.5 makes none and
returns the VPC configuration as it was sent, so `aws_eks_cluster.vpc_config[0].
cluster_security_group_id` is empty, and the database stack's rule admitting the cluster fails
(`InvalidGroup.NotFound: The security group '' does not exist`). The rehearsal makes that group in
the emulator after the cluster stack is applied, records it in the emulated cluster (moto keeps
what UpdateClusterConfig sends), and deletes it after the cluster stack is destroyed, as EKS does.
"""

from __future__ import annotations

import json
import urllib.request

STAND_IN_TAG = "rehearsal:stand-in-for"
"""Marks the groups the rehearsal made in place of EKS."""


def add_cluster_security_group(emulator, cluster_name: str) -> str:
    """The cluster's security group, made in the emulator if it has none; returns its id."""
    eks, ec2 = emulator.client("eks"), emulator.client("ec2")
    config = eks.describe_cluster(name=cluster_name)["cluster"]["resourcesVpcConfig"]
    if config.get("clusterSecurityGroupId"):
        return config["clusterSecurityGroupId"]
    [subnet] = ec2.describe_subnets(SubnetIds=config["subnetIds"][:1])["Subnets"]
    group = ec2.create_security_group(
        GroupName=f"eks-cluster-sg-{cluster_name}",
        Description="EKS created security group applied to ENI that is attached to EKS "
        "Control Plane master nodes, as well as any managed workloads.",
        VpcId=subnet["VpcId"],
        TagSpecifications=[
            {
                "ResourceType": "security-group",
                "Tags": [
                    {"Key": f"kubernetes.io/cluster/{cluster_name}", "Value": "owned"},
                    {"Key": STAND_IN_TAG, "Value": "eks"},
                ],
            }
        ],
    )["GroupId"]
    # The real API takes no clusterSecurityGroupId, so boto3 cannot send it: the request
    # goes as EKS's REST call UpdateClusterConfig, which the emulator stores as it is sent.
    body = json.dumps({"resourcesVpcConfig": {**config, "clusterSecurityGroupId": group}})
    request = urllib.request.Request(
        f"{emulator.endpoint}/clusters/{cluster_name}/update-config",
        data=body.encode(),
        headers={
            "Content-Type": "application/json",
            # The emulator routes a request by the service in its credential scope.
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential=rehearsal/20260101/{emulator.region}/eks/"
                "aws4_request, SignedHeaders=host, Signature=rehearsal"
            ),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return group


def remove_cluster_security_groups(emulator) -> list[str]:
    """Delete the groups `add_cluster_security_group` made; returns their ids."""
    ec2 = emulator.client("ec2")
    groups = ec2.describe_security_groups(Filters=[{"Name": "tag-key", "Values": [STAND_IN_TAG]}])[
        "SecurityGroups"
    ]
    for group in groups:
        ec2.delete_security_group(GroupId=group["GroupId"])
    return [group["GroupId"] for group in groups]
