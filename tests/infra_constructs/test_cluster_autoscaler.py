"""Cluster Autoscaler alone: its release per Kubernetes version, its policy, its refusals."""

from __future__ import annotations

import json

import pytest
import yaml

from infra_config.model import SUPPORTED_EKS_VERSIONS
from infra_constructs.cluster_autoscaler import (
    AUTOSCALER_IMAGE_TAGS,
    ClusterAutoscalerAddon,
    ClusterAutoscalerAddonProps,
    cluster_autoscaler_statements,
)
from synth_helpers import only_resource, synth_construct

PROPS = {
    "version": "9.59.0",
    "kubernetes_version": "1.34",
    "cluster_name": "shop-dev",
    "region": "eu-west-1",
    "account_id": "123456789012",
    "partition": "aws",
    "role_name": "shop-dev-cluster-autoscaler",
    "oidc_issuer_url": "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
}


def synthesized(**overrides) -> dict:
    props = ClusterAutoscalerAddonProps(**{**PROPS, **overrides})
    return json.loads(
        synth_construct(lambda scope: ClusterAutoscalerAddon(props=props).deploy(scope))
    )


def test_every_supported_kubernetes_version_has_its_own_autoscaler_release():
    assert set(AUTOSCALER_IMAGE_TAGS) == set(SUPPORTED_EKS_VERSIONS)
    for minor, tag in AUTOSCALER_IMAGE_TAGS.items():
        assert tag.startswith(f"v{minor}.")


def test_the_release_matches_the_cluster_and_discovers_its_groups_by_tag():
    values = yaml.safe_load(only_resource(synthesized(), "helm_release")["values"][0])
    assert values["image"] == {"tag": "v1.34.0"}
    assert values["autoDiscovery"] == {"clusterName": "shop-dev"}
    assert (values["cloudProvider"], values["awsRegion"]) == ("aws", "eu-west-1")
    assert "--expander=least-waste" in values["customArgs"]
    assert "--scale-down-unneeded-time=10m" in values["customArgs"]
    assert values["containerSecurityContext"]["capabilities"] == {"drop": ["ALL"]}


def test_it_may_resize_only_this_clusters_groups():
    statements = cluster_autoscaler_statements(
        partition="aws", region="eu-west-1", account_id="123456789012", cluster_name="shop-dev"
    )
    [writes] = [s for s in statements if "autoscaling:SetDesiredCapacity" in s["Action"]]
    assert writes["Condition"] == {
        "StringEquals": {
            "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
            "aws:ResourceTag/k8s.io/cluster-autoscaler/shop-dev": "owned",
        }
    }
    [describe] = [s for s in statements if s["Action"] == ["eks:DescribeNodegroup"]]
    assert describe["Resource"] == ("arn:aws:eks:eu-west-1:123456789012:nodegroup/shop-dev/*/*")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"kubernetes_version": "1.31"},
            "ClusterAutoscalerAddonProps.kubernetes_version: '1.31' has no Cluster Autoscaler "
            "release here; use one of 1.32, 1.33, 1.34, 1.35",
        ),
        (
            {"scale_down_utilization_threshold": 1.5},
            "ClusterAutoscalerAddonProps.scale_down_utilization_threshold: 1.5 is not allowed: "
            "use a number from 0.1 to 0.9",
        ),
        (
            {"scale_down_unneeded_minutes": 0},
            "ClusterAutoscalerAddonProps.scale_down_unneeded_minutes: 0 is not allowed: "
            "use a number from 1 to 1440",
        ),
    ],
)
def test_bad_props_are_refused_with_the_value_and_the_fix(overrides, expected):
    with pytest.raises(ValueError) as refused:
        ClusterAutoscalerAddonProps(**{**PROPS, **overrides})
    assert str(refused.value) == expected
