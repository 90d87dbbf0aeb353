"""The External Secrets add-on alone: its identity reads only the given secrets, its service
account alone may assume it, and the store is installed after the operator."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from infra_constructs.external_secrets import (
    AWS_SECRETS_CHART_DIR,
    OPERATOR_SERVICE_ACCOUNT,
    SECRETS_MANAGER_READ_ACTIONS,
    STORE_NAME,
    ExternalSecretsAddon,
    ExternalSecretsAddonProps,
    aws_secrets_chart,
)
from synth_helpers import only_resource, resources, synth_construct

ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"
READABLE = ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/dev/*",)


def props(**overrides) -> ExternalSecretsAddonProps:
    return ExternalSecretsAddonProps(
        **{
            "version": "2.9.0",
            "namespace": "eso",
            "role_name": "shop-dev-external-secrets",
            "oidc_issuer_url": ISSUER,
            "readable_secret_arns": READABLE,
            "region": "eu-west-1",
            "store_namespaces": ("ci",),
            **overrides,
        }
    )


@pytest.fixture(scope="module")
def stack() -> dict:
    return json.loads(
        synth_construct(lambda scope: ExternalSecretsAddon(props=props()).deploy(scope))
    )


def releases(stack: dict) -> dict[str, dict]:
    return {release["name"]: release for release in resources(stack, "helm_release")}


def test_the_role_reads_the_given_secrets_and_writes_nothing(stack):
    policy = json.loads(only_resource(stack, "aws_iam_role_policy")["policy"])
    [statement] = policy["Statement"]
    assert statement["Resource"] == list(READABLE)
    assert statement["Action"] == list(SECRETS_MANAGER_READ_ACTIONS)
    assert all(
        action.startswith(("secretsmanager:Get", "secretsmanager:Describe", "secretsmanager:List"))
        for action in statement["Action"]
    )


def test_only_the_operators_service_account_may_assume_the_role(stack):
    [trust] = [
        document
        for document in stack["data"]["aws_iam_policy_document"].values()
        if document["statement"][0]["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    ]
    [subject] = [c for c in trust["statement"][0]["condition"] if c["variable"].endswith(":sub")]
    assert subject == {
        "test": "StringEquals",
        "variable": subject["variable"],
        "values": [f"system:serviceaccount:eso:{OPERATOR_SERVICE_ACCOUNT}"],
    }
    operator = yaml.safe_load(releases(stack)["external-secrets"]["values"][0])
    assert operator["serviceAccount"]["name"] == OPERATOR_SERVICE_ACCOUNT
    [role_key] = stack["resource"]["aws_iam_role"]
    assert operator["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": f"${{aws_iam_role.{role_key}.arn}}"
    }
    assert operator["installCRDs"] is True


def test_the_store_comes_after_the_operator_in_a_restricted_namespace(stack):
    found = releases(stack)
    [operator_key] = [
        k for k, r in stack["resource"]["helm_release"].items() if r["name"] == "external-secrets"
    ]
    store = found["secret-store"]
    assert store["depends_on"] == [f"helm_release.{operator_key}"]
    assert (store["chart"], store.get("repository")) == ("../../../helm/aws-secrets", None)
    assert yaml.safe_load(store["values"][0])["clusterSecretStore"] == {
        "name": STORE_NAME,
        "region": "eu-west-1",
        "namespaces": ["ci"],
    }
    [namespace] = resources(stack, "kubernetes_namespace_v1")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert found["external-secrets"]["depends_on"] == ["kubernetes_namespace_v1.namespace-eso"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"readable_secret_arns": ("*",)},
            r"readable_secret_arns: \['\*'\] must name this environment's secrets",
        ),
        ({"readable_secret_arns": ()}, r"readable_secret_arns: \[\] must name"),
        ({"store_namespaces": ()}, r"store_namespaces: empty; name the namespaces"),
        ({"namespace": "Not_A_Name"}, r"namespace"),
    ],
)
def test_bad_props_are_refused_with_the_fix(overrides, message):
    with pytest.raises(ValueError, match=message):
        props(**overrides)


def test_the_chart_digest_follows_every_file_of_the_chart(tmp_path):
    copy = tmp_path / "aws-secrets"
    shutil.copytree(AWS_SECRETS_CHART_DIR, copy)
    original = aws_secrets_chart(copy)
    assert original == aws_secrets_chart()
    assert len(original.digest) == 12 and original.version == "0.1.0"
    template = copy / "templates" / "externalsecrets.yaml"
    template.write_text(template.read_text() + "\n")
    assert aws_secrets_chart(copy).digest != original.digest
