"""The shared rules, and proof that the config model and the props refuse the same values
with the same reason (one home per rule)."""

from __future__ import annotations

import pytest

from infra_constructs import rules
from infra_constructs.eks import KubernetesClusterProps, NodeGroupProps
from infra_constructs.helm_addon import HelmAddonProps, HelmChart
from infra_constructs.irsa import IrsaRoleProps
from synth_helpers import set_path, shipped_config

LONGEST_NAME = "a" * 63


@pytest.mark.parametrize(
    ("rule", "allowed", "refused"),
    [
        (
            rules.kubernetes_name,
            ["a", "django-app", LONGEST_NAME],
            ["", "A", "a_b", "-a", "a" * 64],
        ),
        (rules.chart_version, ["1.2.3", "10.1.1"], ["1.2", "^1.2.3", "1.2.x", "latest", "v1.2.3"]),
        (rules.short_name, ["ab", "djeks"], ["a", "1ab", "Ab", "a" * 33]),
        (rules.vpc_cidr, ["10.0.0.0/16", "10.0.0.0/24"], ["10.0.0.1/16", "10.0.0.0/8", "x"]),
        (rules.aws_region, ["eu-west-1", "us-gov-west-1"], ["eu-west", "EU-WEST-1"]),
        (rules.git_url, ["https://github.com/a/b.git", "git@github.com:a/b.git"], ["ftp://x"]),
    ],
)
def test_rule_allows_and_refuses(rule, allowed, refused):
    for value in allowed:
        assert rule(value) == value
    for value in refused:
        with pytest.raises(ValueError, match="^use "):
            rule(value)


def test_endpoint_cidrs_refuse_the_internet_with_others_and_in_production():
    assert rules.endpoint_cidrs(["0.0.0.0/0"], environment="dev") == ["0.0.0.0/0"]
    with pytest.raises(ValueError, match="makes the other CIDRs meaningless"):
        rules.endpoint_cidrs(["0.0.0.0/0", "203.0.113.0/24"])
    with pytest.raises(ValueError, match="opens the prod API endpoint to the whole internet"):
        rules.endpoint_cidrs(["0.0.0.0/0"], environment="prod")
    with pytest.raises(ValueError, match="'203.0.113.1/24' is not an IPv4 CIDR"):
        rules.endpoint_cidrs(["203.0.113.1/24"])


def config_error(path: str, value) -> str:
    from pydantic import ValidationError

    from infra_config.model import EnvironmentConfig

    data = set_path(shipped_config("dev"), path, value)
    with pytest.raises(ValidationError) as raised:
        EnvironmentConfig.model_validate(data, context={"environment": "dev"})
    [problem] = raised.value.errors()
    return problem["msg"].removeprefix("Value error, ")


def props_error(build) -> str:
    with pytest.raises(ValueError) as raised:
        build()
    return str(raised.value).split(" is not allowed: ", 1)[1]


def irsa(service_account: str) -> IrsaRoleProps:
    return IrsaRoleProps(
        role_name="r",
        oidc_provider_arn="arn:aws:iam::123456789012:oidc-provider/x",
        oidc_issuer_url="https://x",
        namespace="jenkins",
        service_account=service_account,
    )


def helm(version: str) -> HelmAddonProps:
    return HelmAddonProps(chart=HelmChart("c", "https://x"), version=version, namespace="n")


def cluster(cidrs: list[str]) -> KubernetesClusterProps:
    group = NodeGroupProps("general", ("t3.large",), 1, 1, 1)
    return KubernetesClusterProps("c", "1.34", ["s"], (group,), tuple(cidrs))


@pytest.mark.parametrize(
    ("config_path", "bad", "build"),
    [
        ("platform.app.namespace", "a" * 64, lambda: irsa("a" * 64)),
        ("platform.jenkins.namespace", "Jenkins", lambda: irsa("Jenkins")),
        ("charts.jenkins", "^5.0.0", lambda: helm("^5.0.0")),
        (
            "cluster.endpoint_public_access_cidrs",
            ["0.0.0.0/0", "203.0.113.0/24"],
            lambda: cluster(["0.0.0.0/0", "203.0.113.0/24"]),
        ),
    ],
)
def test_config_and_props_refuse_alike(config_path, bad, build):
    assert config_error(config_path, bad) == props_error(build)


def test_node_group_sizes_refused_alike():
    group = shipped_config("dev")["cluster"]["node_groups"][0]
    message = config_error("cluster.node_groups.0.desired_size", 99)
    with pytest.raises(ValueError) as raised:
        NodeGroupProps("general", ("t3.large",), group["min_size"], 99, group["max_size"])
    assert str(raised.value).endswith(message)
