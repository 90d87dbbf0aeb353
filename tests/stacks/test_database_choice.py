"""database.kind: RDS (the database stack, and the app's Secret built from RDS's own secret) or,
in dev, the chart's in-cluster PostgreSQL (no database stack, nothing that reads RDS)."""

from __future__ import annotations

import json

import pytest

from synth_helpers import helm_values, resources, synthesize_variant


@pytest.fixture(scope="module")
def in_cluster(tmp_path_factory):
    return synthesize_variant(
        "dev", tmp_path_factory.mktemp("in-cluster"), database__kind="in-cluster"
    )


def application_values(result) -> dict:
    values = helm_values(result.stacks["platform"], "django-app-application")
    return values["applications"]["django-app"]["source"]["helm"]["valuesObject"]


def synced(result) -> list[dict]:
    return helm_values(result.stacks["platform"], "django-app-secrets")["externalSecrets"]


def test_with_rds_the_app_reads_the_secret_built_from_rds_own_credentials(dev):
    assert "database" in dev.stacks
    assert "database" in dev.manifest["stacks"]["platform"]["dependencies"]
    assert application_values(dev)["postgresql"] == {"enabled": False}
    [from_rds] = [entry for entry in synced(dev) if "databaseUrl" in entry]
    assert from_rds["secretName"] == application_values(dev)["database"]["existingSecret"]
    assert from_rds["keys"] == ["username", "password"]
    assert from_rds["databaseUrl"]["host"] == "${data.aws_db_instance.database.address}"
    assert from_rds["refreshInterval"] == "1m"
    [instance] = dev.stacks["platform"]["data"]["aws_db_instance"].values()
    assert instance["db_instance_identifier"] == "djeks-dev-postgres"


def test_with_rds_only_the_operator_may_read_rds_secret_of_this_environments_instance(dev):
    [policy] = [
        policy
        for policy in resources(dev.stacks["addons"], "aws_iam_role_policy")
        if policy["name"].endswith("-external-secrets")
    ]
    statements = json.loads(policy["policy"])["Statement"]
    [rds] = [s for s in statements if str(s["Resource"]).endswith(":secret:rds!db-*")]
    assert rds["Condition"] == {
        "StringEquals": {
            "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": [
                "arn:${data.aws_partition.partition.partition}:rds:eu-west-1:"
                "${data.aws_caller_identity.account.account_id}:db:djeks-dev-postgres"
            ]
        }
    }
    assert "secretsmanager:GetSecretValue" in rds["Action"]
    assert not [a for s in statements for a in s["Action"] if not a.startswith("secretsmanager:")]


def test_in_cluster_there_is_no_database_stack_and_nothing_reads_rds(in_cluster):
    assert "database" not in in_cluster.stacks
    assert "database" not in in_cluster.manifest["stacks"]["platform"]["dependencies"]
    assert "aws_db_instance" not in in_cluster.stacks["platform"].get("data", {})
    role_policies = json.dumps(resources(in_cluster.stacks["addons"], "aws_iam_role_policy"))
    assert "rds!db-" not in role_policies


def test_in_cluster_the_chart_runs_postgresql_with_a_password_the_deploy_makes(in_cluster):
    values = application_values(in_cluster)
    assert values["database"] == {"existingSecret": ""}
    assert values["postgresql"] == {"enabled": True, "auth": {"existingSecret": "django-app"}}
    assert synced(in_cluster) == [
        {
            "secretName": "django-app",
            "namespace": "django-app",
            "awsName": "djeks/dev/django-app",
            "keys": ["DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"],
        }
    ]
