"""`drift`: a plan reduced to the attributes it changes to known values, by resource type."""

from __future__ import annotations

from rehearsal.drift import KNOWN_EMULATOR_DRIFT, drift, known_emulator_drift


def change(
    resource_type: str,
    actions: list[str],
    before: dict | None,
    after: dict | None,
    after_unknown: dict | None = None,
    replace_paths: list | None = None,
) -> dict:
    """One entry of `resource_changes` in `terraform show -json`."""
    entry = {
        "address": f"{resource_type}.x",
        "type": resource_type,
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": after_unknown or {},
        },
    }
    if replace_paths is not None:
        entry["change"]["replace_paths"] = replace_paths
    return entry


def test_a_plan_without_changes_has_no_drift():
    assert drift({}) == {}
    assert drift({"resource_changes": [change("aws_vpc", ["no-op"], {"a": 1}, {"a": 1})]}) == {}


def test_an_update_counts_the_attributes_whose_known_value_changes():
    plan = {
        "resource_changes": [
            change(
                "aws_launch_template",
                ["update"],
                before={
                    "name": "t",
                    "tag_specifications": [{"tags": {"A": "b"}}],
                    "latest_version": 1,
                },
                after={"name": "t", "tag_specifications": [], "latest_version": None},
                after_unknown={"latest_version": True},
            )
        ]
    }
    assert drift(plan) == {"aws_launch_template": {"tag_specifications"}}


def test_values_that_only_become_unknown_do_not_count():
    plan = {
        "resource_changes": [
            change(
                "aws_iam_role",
                ["update"],
                before={"assume_role_policy": "{...}", "nested": [{"id": "a", "arn": "x"}]},
                after={"assume_role_policy": None, "nested": [{"id": "a", "arn": None}]},
                after_unknown={"assume_role_policy": True, "nested": [{"arn": True}]},
            )
        ]
    }
    assert drift(plan) == {}


def test_a_replacement_counts_the_known_values_that_force_it():
    plan = {
        "resource_changes": [
            change(
                "aws_eks_cluster",
                ["delete", "create"],
                before={"access_config": [], "arn": "a"},
                after={
                    "access_config": [{"bootstrap_cluster_creator_admin_permissions": False}],
                    "arn": None,
                },
                after_unknown={"arn": True, "access_config": [{}]},
                replace_paths=[["access_config", 0, "bootstrap_cluster_creator_admin_permissions"]],
            ),
            change(
                "aws_iam_openid_connect_provider",
                ["create", "delete"],
                before={"url": "oidc/a"},
                after={"url": None},
                after_unknown={"url": True},
                replace_paths=[["url"]],
            ),
        ]
    }
    assert drift(plan) == {"aws_eks_cluster": {"access_config"}}


def test_resources_to_create_or_destroy_count_as_such_and_reads_do_not():
    plan = {
        "resource_changes": [
            change("aws_nat_gateway", ["create"], None, {"subnet_id": "s"}),
            change("aws_eip", ["delete"], {"domain": "vpc"}, None),
            change("aws_iam_policy_document", ["read"], None, {}),
        ]
    }
    assert drift(plan) == {"aws_nat_gateway": {"<create>"}, "aws_eip": {"<delete>"}}


def test_known_emulator_drift_concerns_only_the_stacks_own_resource_types():
    assert known_emulator_drift({"resource": {"aws_vpc": {}}}) == {}
    cluster = {
        "resource": {
            "aws_eks_cluster": {},
            "aws_eks_node_group": {},
            "aws_launch_template": {},
            "aws_iam_role": {},
        }
    }
    assert known_emulator_drift(cluster) == {
        kind: KNOWN_EMULATOR_DRIFT[kind]
        for kind in ("aws_eks_cluster", "aws_eks_node_group", "aws_launch_template")
    }
    database = {"resource": {"aws_db_instance": {}, "aws_kms_key": {}}}
    assert known_emulator_drift(database) == {
        "aws_db_instance": KNOWN_EMULATOR_DRIFT["aws_db_instance"]
    }
