"""The AWS Load Balancer Controller alone: its release, its identity, its refusals. (Its
policy is compared with upstream's in test_upstream_charts.py.)"""

from __future__ import annotations

import json

import pytest
import yaml

from infra_constructs.load_balancer_controller import (
    DEFAULT_SSL_POLICY,
    LoadBalancerControllerAddon,
    LoadBalancerControllerAddonProps,
)
from synth_helpers import only_resource, synth_construct

PROPS = {
    "version": "3.5.0",
    "cluster_name": "shop-dev",
    "role_name": "shop-dev-aws-load-balancer-controller",
    "oidc_issuer_url": "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    "partition": "aws",
    "region": "eu-west-1",
    "vpc_id": "vpc-0123",
    "tags": {"Project": "shop", "Environment": "dev"},
}


def synthesized(**overrides) -> dict:
    props = LoadBalancerControllerAddonProps(**{**PROPS, **overrides})
    return json.loads(
        synth_construct(lambda scope: LoadBalancerControllerAddon(props=props).deploy(scope))
    )


def values_of(stack: dict) -> dict:
    return yaml.safe_load(only_resource(stack, "helm_release")["values"][0])


def test_it_runs_for_this_cluster_region_and_vpc_without_instance_metadata():
    stack = synthesized()
    release = only_resource(stack, "helm_release")
    assert (release["chart"], release["version"], release["namespace"]) == (
        "aws-load-balancer-controller",
        "3.5.0",
        "kube-system",
    )
    values = values_of(stack)
    assert (values["clusterName"], values["region"], values["vpcId"]) == (
        "shop-dev",
        "eu-west-1",
        "vpc-0123",
    )
    assert values["defaultTags"] == PROPS["tags"]
    assert values["defaultSSLPolicy"] == DEFAULT_SSL_POLICY
    assert values["ingressClass"] == "alb"
    assert values["enableServiceMutatorWebhook"] is False


def test_two_replicas_keep_one_through_a_drain_and_one_has_no_budget():
    assert values_of(synthesized())["podDisruptionBudget"] == {"maxUnavailable": 1}
    assert values_of(synthesized(replicas=1))["podDisruptionBudget"] == {}


def test_its_policy_is_the_inline_policy_of_its_role():
    policy = only_resource(synthesized(), "aws_iam_role_policy")
    statements = json.loads(policy["policy"])["Statement"]
    assert any("elasticloadbalancing:CreateLoadBalancer" in s["Action"] for s in statements)


def test_bad_replicas_are_refused():
    with pytest.raises(ValueError) as refused:
        LoadBalancerControllerAddonProps(**{**PROPS, "replicas": 9})
    assert str(refused.value) == (
        "LoadBalancerControllerAddonProps.replicas: 9 is not allowed: use a number from 1 to 5"
    )
