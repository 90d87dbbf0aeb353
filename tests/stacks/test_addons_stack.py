"""The addons stack as each environment synthesizes it: which add-ons, their switches, and the
AWS identity of each (trust scoped to its own service account, no broader permissions)."""

from __future__ import annotations

import json

import pytest

from infra_config import load_config
from infra_constructs.cluster_autoscaler import READ_ACTIONS
from synth_helpers import SHIPPED_ENVIRONMENTS, helm_values, resources, synthesize_variant

ZONE = "dev.example.com"

# release -> (config switch set to false, its IAM role's construct id prefix or None)
SWITCHED = {
    "aws-load-balancer-controller": ("addons.load_balancer_controller.enabled", "aws-load"),
    "metrics-server": ("addons.metrics_server.enabled", None),
    "cluster-autoscaler": ("addons.cluster_autoscaler.enabled", "cluster-autoscaler"),
}


def release_names(stack: dict) -> set[str]:
    return {release["name"] for release in resources(stack, "helm_release")}


@pytest.fixture(scope="module")
def with_zone(tmp_path_factory):
    return synthesize_variant("dev", tmp_path_factory.mktemp("zone"), dns__zone_name=ZONE)


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_every_addon_is_installed_and_external_dns_only_with_a_zone(synth, environment):
    zone = load_config(environment).dns.zone_name
    assert release_names(synth(environment).stacks["addons"]) == {
        "external-secrets",
        "secret-store",
        *SWITCHED,
        *(["external-dns"] if zone else []),
    }


def test_dev_has_no_zone_and_prod_has_one():
    assert load_config("dev").dns.zone_name is None
    assert load_config("prod").dns.zone_name == "prod.example.com"


def test_a_zone_adds_external_dns_for_that_zone_only(with_zone):
    addons = with_zone.stacks["addons"]
    assert "external-dns" in release_names(addons)
    [zone] = addons["data"]["aws_route53_zone"].values()
    assert (zone["name"], zone["private_zone"]) == (ZONE, False)
    values = helm_values(addons, "external-dns")
    assert values["domainFilters"] == [ZONE]
    assert values["txtOwnerId"] == "djeks-dev"
    assert "external_dns_role_arn" in addons["output"]


@pytest.mark.parametrize("release", sorted(SWITCHED))
def test_switched_off_an_addon_and_its_identity_are_gone(tmp_path, release):
    switch, role_prefix = SWITCHED[release]
    addons = synthesize_variant("dev", tmp_path, **{switch.replace(".", "__"): False}).stacks[
        "addons"
    ]
    assert release_names(addons) == {"external-secrets", "secret-store", *SWITCHED} - {release}
    if role_prefix:
        roles = addons["resource"]["aws_iam_role"]
        assert not [key for key in roles if key.startswith(role_prefix)]


def trust_subjects(stack: dict) -> dict[str, list[str]]:
    """Each IRSA role's construct id -> the service account subjects its trust allows."""
    documents = stack["data"]["aws_iam_policy_document"]
    found = {}
    for key, role in stack["resource"]["aws_iam_role"].items():
        document = role["assume_role_policy"].split(".")[
            2
        ]  # ${data.aws_iam_policy_document.X.json}
        [statement] = documents[document]["statement"]
        subjects = [c["values"] for c in statement["condition"] if c["variable"].endswith(":sub")]
        found[key.rsplit("_", 1)[0]] = [value for values in subjects for value in values]
    return found


def test_each_identity_trusts_exactly_the_service_account_its_chart_runs_as(with_zone):
    addons = with_zone.stacks["addons"]
    accounts = {
        "external-secrets-role": ("external-secrets", "external-secrets", "serviceAccount"),
        "aws-load-balancer-controller-role": (
            "kube-system",
            "aws-load-balancer-controller",
            "serviceAccount",
        ),
        "cluster-autoscaler-role": ("kube-system", "cluster-autoscaler", "rbac.serviceAccount"),
        "external-dns-role": ("external-dns", "external-dns", "serviceAccount"),
    }
    subjects = trust_subjects(addons)
    assert set(subjects) == set(accounts)
    releases = {r["name"]: r for r in resources(addons, "helm_release")}
    for role, (namespace, account, values_path) in accounts.items():
        assert subjects[role] == [f"system:serviceaccount:{namespace}:{account}"]
        release = role.removesuffix("-role")
        assert releases[release]["namespace"] == namespace
        values = helm_values(addons, release)
        for part in values_path.split("."):
            values = values[part]
        assert values["name"] == account
        assert values["annotations"]["eks.amazonaws.com/role-arn"].startswith(
            f"${{aws_iam_role.{role}_"
        )


def wildcard_actions(stack: dict, role_prefix: str) -> list[str]:
    """Actions the role's inline policy grants on `"Resource": "*"` without a condition."""
    [policy] = [
        p
        for key, p in stack["resource"]["aws_iam_role_policy"].items()
        if key.startswith(role_prefix)
    ]
    statements = json.loads(policy["policy"])["Statement"]
    return sorted(
        action
        for statement in statements
        if statement["Resource"] == "*" and "Condition" not in statement
        for action in statement["Action"]
    )


def test_the_autoscaler_and_external_dns_get_star_only_for_calls_that_take_no_resource(
    with_zone,
):
    addons = with_zone.stacks["addons"]
    assert wildcard_actions(addons, "cluster-autoscaler-role") == sorted(READ_ACTIONS)
    assert all(action.split(":")[1].startswith(("Describe", "Get")) for action in READ_ACTIONS)
    assert wildcard_actions(addons, "external-dns-role") == ["route53:ListHostedZones"]
    assert wildcard_actions(addons, "external-secrets-role") == []
