"""The IRSA role construct: trust scoped to exactly one service account and audience."""

from __future__ import annotations

import json

import pytest

from infra_constructs.irsa import IrsaRole, IrsaRoleProps
from synth_helpers import only_resource, resources, synth_construct

PROVIDER_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
ISSUER_URL = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"


def synth_role(**overrides) -> dict:
    props = IrsaRoleProps(
        **{
            "role_name": "jenkins-agent",
            "oidc_provider_arn": PROVIDER_ARN,
            "oidc_issuer_url": ISSUER_URL,
            "namespace": "jenkins",
            "service_account": "jenkins-agent",
            **overrides,
        }
    )
    return json.loads(synth_construct(lambda stack: IrsaRole(stack, "role", props=props)))


def trust_statement(stack: dict) -> dict:
    """The one statement of the role's trust policy document (aws_iam_policy_document)."""
    [(key, document)] = stack["data"]["aws_iam_policy_document"].items()
    assert only_resource(stack, "aws_iam_role")["assume_role_policy"] == (
        f"${{data.aws_iam_policy_document.{key}.json}}"
    )
    [statement] = document["statement"]
    return statement


def test_trust_names_exactly_one_service_account_and_the_sts_audience():
    statement = trust_statement(synth_role())
    assert statement["effect"] == "Allow"
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert statement["principals"] == [{"type": "Federated", "identifiers": [PROVIDER_ARN]}]
    issuer = '${replace("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", "https://", "")}'
    assert statement["condition"] == [
        {
            "test": "StringEquals",
            "variable": f"{issuer}:sub",
            "values": ["system:serviceaccount:jenkins:jenkins-agent"],
        },
        {"test": "StringEquals", "variable": f"{issuer}:aud", "values": ["sts.amazonaws.com"]},
    ]


def test_policies_are_attached_and_inlined():
    stack = synth_role(
        managed_policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",),
        inline_policy='{"Version": "2012-10-17", "Statement": []}',
    )
    assert only_resource(stack, "aws_iam_role_policy_attachment")["policy_arn"] == (
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    assert only_resource(stack, "aws_iam_role_policy")["policy"].startswith('{"Version"')


def test_no_policy_means_no_policy_resources():
    stack = synth_role()
    assert resources(stack, "aws_iam_role_policy_attachment") == []
    assert resources(stack, "aws_iam_role_policy") == []


@pytest.mark.parametrize("service_account", ["*", "jenkins-*", "Jenkins"])
def test_wildcards_and_invalid_names_are_refused(service_account):
    with pytest.raises(
        ValueError, match="IrsaRoleProps.service_account: .* is not allowed: use a Kubernetes name"
    ):
        IrsaRoleProps(
            role_name="r",
            oidc_provider_arn=PROVIDER_ARN,
            oidc_issuer_url=ISSUER_URL,
            namespace="jenkins",
            service_account=service_account,
        )
