"""What the AWS Load Balancer Controller creates for an Ingress, made by hand in the emulator.

No controller runs against the emulator; the rehearsal (and `tests/deployment`) make its
resources as it makes them, tagged `deployment.load_balancers.CLUSTER_TAG`, so that the destroy
has to remove them before the network stack can go.
"""

from __future__ import annotations

from dataclasses import dataclass

from deployment.load_balancers import CLUSTER_TAG


@dataclass(frozen=True)
class ControllerMade:
    load_balancer: str
    target_group: str
    security_group: str


def make_ingress_load_balancer(
    ec2, elbv2, *, cluster: str, vpc: str, subnets: list[str], name: str
) -> ControllerMade:
    """An internet-facing ALB in `subnets` with its security group, target group and listener,
    tagged as the controller tags them for `cluster`."""
    tags = [{"Key": CLUSTER_TAG, "Value": cluster}, {"Key": "ingress.k8s.aws/stack", "Value": name}]
    group = ec2.create_security_group(
        GroupName=f"k8s-{name}",
        Description="managed by the AWS Load Balancer Controller",
        VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}],
    )["GroupId"]
    balancer = elbv2.create_load_balancer(
        Name=f"k8s-{name}",
        Subnets=subnets,
        SecurityGroups=[group],
        Scheme="internet-facing",
        Tags=tags,
    )["LoadBalancers"][0]["LoadBalancerArn"]
    target_group = elbv2.create_target_group(
        Name=f"k8s-{name}-tg", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip", Tags=tags
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(
        LoadBalancerArn=balancer,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
    )
    return ControllerMade(balancer, target_group, group)
