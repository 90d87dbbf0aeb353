"""helm/aws-secrets: lints strictly, renders nothing by default, and its schema refuses what the
operator would refuse or silently ignore."""

from __future__ import annotations

from pathlib import Path

import helm_python
import pytest
import yaml

CHART = str(Path(__file__).resolve().parents[2] / "helm" / "aws-secrets")
SECRET = {
    "secretName": "jenkins-admin",
    "namespace": "jenkins",
    "awsName": "djeks/dev/jenkins-admin",
    "keys": ["jenkins-admin-user", "jenkins-admin-password"],
}


def render(values: dict) -> list[dict]:
    rendered = helm_python.Chart.load(CHART).render(values=values, name="x", namespace="y")
    return [m for text in rendered.values() for m in yaml.safe_load_all(text) if m]


def test_lints_strictly_and_renders_nothing_by_default():
    assert helm_python.lint(CHART, values={}, strict=True)["errors"] == []
    assert render({}) == []


def test_each_key_is_read_from_its_property_of_the_aws_secret():
    [secret] = render({"externalSecrets": [SECRET], "refreshInterval": "15m"})
    assert secret["metadata"] == {
        "name": "jenkins-admin",
        "namespace": "jenkins",
        "labels": secret["metadata"]["labels"],
    }
    assert secret["spec"]["refreshInterval"] == "15m"
    assert secret["spec"]["target"]["name"] == "jenkins-admin"
    assert secret["spec"]["data"] == [
        {"secretKey": key, "remoteRef": {"key": "djeks/dev/jenkins-admin", "property": key}}
        for key in SECRET["keys"]
    ]


def test_labels_and_literals_are_added_to_the_keys_read():
    labelled = {
        **SECRET,
        "secretLabels": {"argocd.argoproj.io/secret-type": "repository"},
        "literals": {"type": "git", "url": "https://github.com/example/shop.git"},
    }
    [secret] = render({"externalSecrets": [labelled]})
    template = secret["spec"]["target"]["template"]
    assert template == {
        "engineVersion": "v2",
        "mergePolicy": "Merge",
        "metadata": {"labels": {"argocd.argoproj.io/secret-type": "repository"}},
        "data": {"type": "git", "url": "https://github.com/example/shop.git"},
    }
    assert [item["secretKey"] for item in secret["spec"]["data"]] == SECRET["keys"]


def test_without_labels_or_literals_there_is_no_template():
    [secret] = render({"externalSecrets": [SECRET]})
    assert "template" not in secret["spec"]["target"]


@pytest.mark.parametrize(
    "values",
    [
        {"externalSecrets": [{**SECRET, "keys": []}]},
        {"externalSecrets": [{**SECRET, "secretName": "Jenkins_Admin"}]},
        {"externalSecrets": [{key: value for key, value in SECRET.items() if key != "awsName"}]},
        {"externalSecrets": [{**SECRET, "property": "x"}]},
        {"clusterSecretStore": {"name": "s", "region": "eu-west-1", "namespaces": []}},
        {"clusterSecretStore": {"name": "s", "region": "Ireland", "namespaces": ["a"]}},
        {"refreshInterval": "hourly"},
        {"storename": "s"},
        {"externalSecrets": [{**SECRET, "literals": {"url": "{{ .password }}"}}]},
        {"externalSecrets": [{**SECRET, "secretLabels": {"bad label": "x"}}]},
    ],
)
def test_the_schema_refuses(values):
    with pytest.raises(Exception, match="values don't meet the specifications of the schema"):
        render(values)
