"""The database stack as each environment synthesizes it: what issue 14 promises, per
environment, read from the JSON."""

from __future__ import annotations

import json

import pytest

from infra_config import load_config
from synth_helpers import SHIPPED_ENVIRONMENTS, only_resource, resources


def database(result) -> dict:
    return result.stacks["database"]


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_the_instance_is_encrypted_private_tls_only_and_its_password_managed_by_rds(
    synth, environment
):
    stack = database(synth(environment))
    settings = load_config(environment).database
    instance = only_resource(stack, "aws_db_instance")
    assert instance["engine"] == "postgres"
    assert instance["engine_version"] == settings.engine_version
    assert instance["auto_minor_version_upgrade"] is True
    assert instance["storage_encrypted"] is True
    assert instance["kms_key_id"].startswith("${aws_kms_key.")
    assert instance["publicly_accessible"] is False
    assert instance["manage_master_user_password"] is True
    assert "password" not in instance
    assert instance["performance_insights_enabled"] is True
    assert instance["enabled_cloudwatch_logs_exports"] == ["postgresql", "upgrade"]
    assert instance["backup_retention_period"] == settings.backup_retention_days
    assert instance["max_allocated_storage"] == settings.max_allocated_storage_gib
    [parameters] = resources(stack, "aws_db_parameter_group")
    assert {"name": "rds.force_ssl", "value": "1"} in parameters["parameter"]
    assert parameters["family"] == f"postgres{settings.engine_version}"
    for group in resources(stack, "aws_cloudwatch_log_group"):
        assert group["retention_in_days"] == settings.log_retention_days
        assert group["kms_key_id"] == instance["kms_key_id"]
    [subnet_group] = resources(stack, "aws_db_subnet_group")
    zones = load_config(environment).network.az_count
    assert len(subnet_group["subnet_ids"]) == zones
    assert all("aws_subnetnetwork_database-" in subnet for subnet in subnet_group["subnet_ids"])


def test_prod_has_a_standby_deletion_protection_and_a_final_snapshot(prod):
    instance = only_resource(database(prod), "aws_db_instance")
    assert instance["multi_az"] is True
    assert instance["deletion_protection"] is True
    assert instance["skip_final_snapshot"] is False
    assert instance["final_snapshot_identifier"] == "djeks-prod-postgres-final"


def test_dev_is_one_zone_and_deletable_by_make_destroy(dev):
    instance = only_resource(database(dev), "aws_db_instance")
    assert (instance["multi_az"], instance["deletion_protection"]) == (False, False)
    assert instance["skip_final_snapshot"] is True
    assert "final_snapshot_identifier" not in instance


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_only_the_clusters_security_group_reaches_5432_and_nothing_leaves(synth, environment):
    stack = database(synth(environment))
    [group] = resources(stack, "aws_security_group")
    assert group["egress"] == []
    assert "ingress" not in group
    [rule] = resources(stack, "aws_vpc_security_group_ingress_rule")
    assert (rule["from_port"], rule["to_port"], rule["ip_protocol"]) == (5432, 5432, "tcp")
    assert "cluster_security_group_id" in rule["referenced_security_group_id"]
    assert not {"cidr_ipv4", "cidr_ipv6", "prefix_list_id"} & set(rule)


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_outputs_say_where_to_connect_and_where_the_password_is_never_what_it_is(
    synth, environment
):
    outputs = database(synth(environment))["output"]
    assert set(outputs) >= {
        "database_address",
        "database_port",
        "database_name",
        "database_master_secret_arn",
        "database_instance_arn",
    }
    assert "master_user_secret[0].secret_arn" in outputs["database_master_secret_arn"]["value"]
    text = json.dumps(database(synth(environment))).lower()
    assert "postgres://" not in text and "master_password" not in text
