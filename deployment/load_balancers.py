"""What the AWS Load Balancer Controller leaves in a VPC, removed before the VPC can go.

The controller creates load balancers, target groups and security groups outside Terraform, for
Ingresses and `LoadBalancer` Services, and tags each with `CLUSTER_TAG` = the cluster's name.
They block the network stack's destroy (subnets and security groups still in use) until they
are gone, and so do the network interfaces AWS keeps for a deleted load balancer for a while
(requester-managed: nobody can delete them, they have to be waited for).

`remove_controller_leftovers` deletes what is tagged for the cluster, waits for the interfaces
to go, deletes the security groups once nothing uses them, and stops with one line naming what
is still there when that takes longer than the timeout. Run again, it continues.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

CLUSTER_TAG = "elbv2.k8s.aws/cluster"
"""The tag the AWS Load Balancer Controller puts on what it creates; the value is the cluster."""

DEFAULT_TIMEOUT_SECONDS = 600.0
"""How long load balancers, their interfaces and security groups may take to go (AWS takes a
few minutes to release a load balancer's interfaces)."""

POLL_SECONDS = 10.0
"""How often the AWS API is asked again while waiting."""

TAG_BATCH = 20
"""DescribeTags takes at most 20 ARNs a call."""


class LeftoversRemain(Exception):
    """Controller-made resources did not go within the timeout; the message is one line."""


@dataclass(frozen=True)
class ControllerLeftovers:
    """What the controller made for one cluster that still exists."""

    load_balancers: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    network_interfaces: tuple[str, ...] = ()
    """Interfaces still using one of `security_groups` (those of deleted load balancers too)."""

    def __bool__(self) -> bool:
        return any(
            (self.load_balancers, self.target_groups, self.security_groups, self.network_interfaces)
        )

    def describe(self) -> str:
        parts = [
            f"{label} {', '.join(ids)}"
            for label, ids in (
                ("load balancers", self.load_balancers),
                ("target groups", self.target_groups),
                ("security groups", self.security_groups),
                ("network interfaces", self.network_interfaces),
            )
            if ids
        ]
        return "; ".join(parts) or "nothing"


def _tagged_for(elbv2, arns: list[str], cluster: str) -> tuple[str, ...]:
    tagged = []
    for start in range(0, len(arns), TAG_BATCH):
        described = elbv2.describe_tags(ResourceArns=arns[start : start + TAG_BATCH])
        for entry in described["TagDescriptions"]:
            tags = {tag["Key"]: tag["Value"] for tag in entry.get("Tags", [])}
            if tags.get(CLUSTER_TAG) == cluster:
                tagged.append(entry["ResourceArn"])
    return tuple(sorted(tagged))


def controller_leftovers(elbv2, ec2, cluster: str) -> ControllerLeftovers:
    """Everything tagged `CLUSTER_TAG` = `cluster`, and the interfaces using its security
    groups. `elbv2` and `ec2` are boto3 clients of the cluster's region."""
    balancers = [
        balancer["LoadBalancerArn"]
        for page in elbv2.get_paginator("describe_load_balancers").paginate()
        for balancer in page["LoadBalancers"]
    ]
    groups = [
        group["TargetGroupArn"]
        for page in elbv2.get_paginator("describe_target_groups").paginate()
        for group in page["TargetGroups"]
    ]
    security_groups = tuple(
        sorted(
            group["GroupId"]
            for page in ec2.get_paginator("describe_security_groups").paginate(
                Filters=[{"Name": f"tag:{CLUSTER_TAG}", "Values": [cluster]}]
            )
            for group in page["SecurityGroups"]
        )
    )
    interfaces: tuple[str, ...] = ()
    if security_groups:
        interfaces = tuple(
            sorted(
                interface["NetworkInterfaceId"]
                for page in ec2.get_paginator("describe_network_interfaces").paginate(
                    Filters=[{"Name": "group-id", "Values": list(security_groups)}]
                )
                for interface in page["NetworkInterfaces"]
            )
        )
    return ControllerLeftovers(
        load_balancers=_tagged_for(elbv2, balancers, cluster),
        target_groups=_tagged_for(elbv2, groups, cluster),
        security_groups=security_groups,
        network_interfaces=interfaces,
    )


def remove_controller_leftovers(
    elbv2,
    ec2,
    cluster: str,
    *,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = POLL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Delete the load balancers, then the target groups tagged for `cluster`; wait until no
    interface uses its security groups; delete those. Raises `LeftoversRemain` naming what is
    left when it is not all gone after `timeout_seconds`."""
    deadline = clock() + timeout_seconds
    while left := controller_leftovers(elbv2, ec2, cluster):
        if clock() >= deadline:
            raise LeftoversRemain(
                f"what the AWS Load Balancer Controller made for cluster {cluster} is still there "
                f"after {timeout_seconds:.0f} s: {left.describe()}; run the destroy again later, "
                "or delete them in the EC2 console"
            )
        for arn in left.load_balancers:
            elbv2.delete_load_balancer(LoadBalancerArn=arn)
        if not left.load_balancers:
            for arn in left.target_groups:
                _retried_later(lambda arn=arn: elbv2.delete_target_group(TargetGroupArn=arn))
        if not (left.load_balancers or left.network_interfaces):
            for group in left.security_groups:
                _retried_later(lambda group=group: ec2.delete_security_group(GroupId=group))
        sleep(poll_seconds)


def _retried_later(delete: Callable[[], object]) -> None:
    """A delete that AWS refuses because the resource is still in use is tried again later."""
    try:
        delete()
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("DependencyViolation", "ResourceInUse"):
            raise
