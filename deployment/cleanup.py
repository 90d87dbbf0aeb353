"""Which pre-destroy clean-up a stack needs, read from its synthesized JSON.

Controllers create things outside Terraform that block a destroy: Argo CD's Applications (with
the resources finalizer) own the app's workloads; the AWS Load Balancer Controller makes load
balancers, target groups and security groups for Ingresses and `LoadBalancer` Services. So:

- before a stack that installs into the cluster (it holds `helm_release` resources) goes, the
  Kubernetes objects that own such things are deleted and waited for (`deployment.kubernetes`);
- before the stack that holds the EKS cluster goes, whatever the controller left in the VPC is
  removed (`deployment.load_balancers`), so that the network can go after it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class Cleanup(enum.Enum):
    KUBERNETES_OBJECTS = "Argo CD Applications, Ingresses and LoadBalancer Services"
    CONTROLLER_LEFTOVERS = "load balancers, target groups and security groups left in the VPC"


def cleanups_for(stack: Mapping) -> tuple[Cleanup, ...]:
    """The clean-ups to run before `stack` (its `cdk.tf.json`) is destroyed, in order."""
    resources = stack.get("resource", {})
    needed = []
    if "helm_release" in resources:
        needed.append(Cleanup.KUBERNETES_OBJECTS)
    if "aws_eks_cluster" in resources:
        needed.append(Cleanup.CONTROLLER_LEFTOVERS)
    return tuple(needed)


def cluster_name(stacks: Mapping[str, Mapping]) -> str:
    """The EKS cluster's name, as the stack that creates it sets it."""
    names = [
        cluster["name"]
        for stack in stacks.values()
        for cluster in stack.get("resource", {}).get("aws_eks_cluster", {}).values()
    ]
    if len(names) != 1:
        raise ValueError(f"expected one aws_eks_cluster among the stacks, found {len(names)}")
    return names[0]
