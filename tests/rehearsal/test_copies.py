"""`rehearsal_copy`: what a rehearsal copy changes in a synthesized stack, and nothing more."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from rehearsal.copies import UNSUPPORTED_RESOURCE_TYPES, rehearsal_copy

ENDPOINT = "http://127.0.0.1:4566"
S3_BACKEND = {
    "bucket": "state",
    "key": "p/e/cluster.tfstate",
    "region": "eu-west-1",
    "encrypt": True,
    "dynamodb_table": "locks",
    "use_lockfile": True,
}


def small_stack() -> dict:
    """A synthesized stack in miniature: provider, S3 backend, remote state, unsupported
    resources and the references cdktf writes to them."""
    return {
        "terraform": {
            "backend": {"s3": dict(S3_BACKEND)},
            "required_providers": {"aws": {"source": "aws", "version": "6.25.0"}},
        },
        "provider": {"aws": [{"region": "eu-west-1", "default_tags": [{"tags": {"A": "b"}}]}]},
        "data": {
            "terraform_remote_state": {
                "network": {"backend": "s3", "config": {**S3_BACKEND, "key": "p/e/network.tfstate"}}
            }
        },
        "resource": {
            "aws_s3_bucket": {
                "bucket": {"bucket": "state", "lifecycle": {"prevent_destroy": True}}
            },
            "aws_eks_cluster": {"cluster": {"name": "c"}},
            "aws_eks_addon": {"cni": {"cluster_name": "${aws_eks_cluster.cluster.name}"}},
            "aws_eks_access_entry": {"admin": {"cluster_name": "c"}},
            "aws_eks_node_group": {
                "nodes": {
                    "cluster_name": "c",
                    "depends_on": ["aws_eks_addon.cni", "aws_eks_cluster.cluster"],
                    "lifecycle": {"ignore_changes": ["scaling_config[0].desired_size"]},
                }
            },
            "aws_iam_role": {"role": {"depends_on": ["aws_eks_access_entry.admin"]}},
        },
    }


def rewrite(stack: dict, state_dir: Path = Path("/tmp/state")) -> dict:
    return rehearsal_copy(stack, endpoint=ENDPOINT, state_dir=state_dir, provider_version="5.100.0")


def test_provider_talks_to_the_emulator_with_fake_credentials():
    [provider] = rewrite(small_stack())["provider"]["aws"]
    [endpoints] = provider["endpoints"]
    assert set(endpoints.values()) == {ENDPOINT}
    assert {"ec2", "eks", "iam", "kms", "logs", "s3", "sts", "dynamodb", "ecr"} <= set(endpoints)
    assert provider["access_key"] == provider["secret_key"] == "rehearsal"
    assert provider["s3_use_path_style"] is True
    assert provider["skip_metadata_api_check"] is True
    assert provider["region"] == "eu-west-1"
    assert provider["default_tags"] == [{"tags": {"A": "b"}}]


@pytest.mark.parametrize("where", ["backend", "remote state"])
def test_state_stores_talk_to_the_emulator_and_keep_their_settings(where):
    copied = rewrite(small_stack())
    settings = (
        copied["terraform"]["backend"]["s3"]
        if where == "backend"
        else copied["data"]["terraform_remote_state"]["network"]["config"]
    )
    assert set(settings["endpoints"]) == {"s3", "dynamodb", "sts", "iam"}
    assert set(settings["endpoints"].values()) == {ENDPOINT}
    assert settings["use_path_style"] is True
    assert settings["access_key"] == "rehearsal"
    assert {key: settings[key] for key in ("bucket", "region", "encrypt", "dynamodb_table")} == {
        key: S3_BACKEND[key] for key in ("bucket", "region", "encrypt", "dynamodb_table")
    }


def test_s3_backend_keeps_both_locks():
    backend = rewrite(small_stack())["terraform"]["backend"]["s3"]
    assert backend["use_lockfile"] is True
    assert backend["dynamodb_table"] == "locks"


def test_local_backend_state_moves_into_the_state_dir(tmp_path):
    stack = small_stack()
    relative = "../../../terraform-state/dev/backend.tfstate"
    stack["terraform"]["backend"] = {"local": {"path": relative}}
    backend = rewrite(stack, state_dir=tmp_path)["terraform"]["backend"]
    assert backend == {"local": {"path": str(tmp_path / "backend.tfstate")}}


def test_aws_provider_version_becomes_the_mirrored_one():
    assert rewrite(small_stack())["terraform"]["required_providers"]["aws"] == {
        "source": "aws",
        "version": "5.100.0",
    }


def test_prevent_destroy_is_dropped_and_other_lifecycle_settings_stay():
    resources = rewrite(small_stack())["resource"]
    assert resources["aws_s3_bucket"]["bucket"]["lifecycle"] == {}
    assert resources["aws_eks_node_group"]["nodes"]["lifecycle"] == {
        "ignore_changes": ["scaling_config[0].desired_size", "remote_access", "update_config"]
    }


def test_the_known_emulator_drift_is_ignored_after_creation_and_only_there():
    resources = rewrite(small_stack())["resource"]
    assert resources["aws_eks_cluster"]["cluster"]["lifecycle"] == {
        "ignore_changes": ["access_config"]
    }
    assert "lifecycle" not in resources["aws_iam_role"]["role"]


def test_unsupported_resources_go_and_so_do_the_depends_on_entries_naming_them():
    resources = rewrite(small_stack())["resource"]
    assert not set(UNSUPPORTED_RESOURCE_TYPES) & set(resources)
    assert resources["aws_eks_node_group"]["nodes"]["depends_on"] == ["aws_eks_cluster.cluster"]
    assert "depends_on" not in resources["aws_iam_role"]["role"]
    assert set(resources) == {
        "aws_s3_bucket",
        "aws_eks_cluster",
        "aws_eks_node_group",
        "aws_iam_role",
    }


def test_a_value_taken_from_an_unsupported_resource_is_an_error():
    stack = small_stack()
    stack["resource"]["aws_iam_role"]["role"]["description"] = "${aws_eks_addon.cni.arn}"
    with pytest.raises(ValueError, match="still refers to: aws_eks_addon.cni"):
        rewrite(stack)


def test_the_synthesized_stack_itself_is_not_changed():
    stack = small_stack()
    before = copy.deepcopy(stack)
    rewrite(stack)
    assert stack == before


def test_the_dev_cluster_stack_loses_its_add_ons_and_access_entries_and_nothing_else(dev):
    original = dev.stacks["cluster"]
    copied = rewrite(original)
    removed = set(UNSUPPORTED_RESOURCE_TYPES)
    assert set(original["resource"]) - set(copied["resource"]) == removed
    for resources in copied["resource"].values():
        for resource in resources.values():
            assert not any(ref.split(".")[0] in removed for ref in resource.get("depends_on", []))
    assert {
        resource_type: set(resources) for resource_type, resources in copied["resource"].items()
    } == {
        resource_type: set(resources)
        for resource_type, resources in original["resource"].items()
        if resource_type not in removed
    }
