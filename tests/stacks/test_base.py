"""The stack base: state backend, provider default tags, and the tagging aspect."""

from __future__ import annotations

import json

import pytest
from cdktf import App
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket

from infra_config import load_config
from stacks.base import EnvironmentStack, default_tags


@pytest.fixture(scope="module")
def config():
    return load_config("dev")


def synth_stack(tmp_path, build) -> dict:
    """Synthesize one EnvironmentStack built by `build(app)` and return its JSON."""
    app = App(outdir=str(tmp_path))
    stack = build(app)
    app.synth()
    return json.loads((tmp_path / "stacks" / stack.node.id / "cdk.tf.json").read_text())


def test_remote_stack_uses_s3_backend_with_both_locks(tmp_path, config):
    stack = synth_stack(tmp_path, lambda app: EnvironmentStack(app, "network", config=config))
    assert stack["terraform"]["backend"] == {
        "s3": {
            "bucket": "djeks-dev-tfstate-example",
            "key": "djeks/dev/network.tfstate",
            "region": "eu-west-1",
            "encrypt": True,
            "dynamodb_table": "djeks-dev-tflock",
            "use_lockfile": True,
        }
    }


def test_local_stack_keeps_state_outside_the_synth_output(tmp_path, config):
    stack = synth_stack(
        tmp_path, lambda app: EnvironmentStack(app, "backend", config=config, remote_state=False)
    )
    assert stack["terraform"]["backend"] == {
        "local": {"path": "../../../terraform-state/dev/backend.tfstate"}
    }


def test_provider_applies_environment_tags_once(tmp_path, config):
    stack = synth_stack(tmp_path, lambda app: EnvironmentStack(app, "network", config=config))
    [provider] = stack["provider"]["aws"]
    assert provider["region"] == "eu-west-1"
    assert provider["default_tags"] == [
        {
            "tags": {
                "Project": "djeks",
                "Environment": "dev",
                "ManagedBy": "cdktf",
                "Owner": "platform-team",
                "CostCenter": "engineering",
            }
        }
    ]


def test_config_tags_can_override_identity_tags_only_through_config(config):
    tags = default_tags(config.model_copy(update={"tags": {"ManagedBy": "team-x"}}))
    assert tags["ManagedBy"] == "team-x"


def test_aspect_names_resources_after_their_construct_path(tmp_path, config):
    def build(app):
        stack = EnvironmentStack(app, "network", config=config)
        S3Bucket(stack, "logs", bucket="b1")
        S3Bucket(stack, "named", bucket="b2", tags={"Name": "kept"})
        return stack

    buckets = synth_stack(tmp_path, build)["resource"]["aws_s3_bucket"]
    assert buckets["logs"]["tags"] == {"Name": "djeks-dev-logs"}
    assert buckets["named"]["tags"] == {"Name": "kept"}


def test_aspect_rejects_a_resource_tag_that_overrides_a_default_tag(tmp_path, config):
    def build(app):
        stack = EnvironmentStack(app, "network", config=config)
        S3Bucket(stack, "logs", bucket="b1", tags={"Environment": "prod"})
        return stack

    with pytest.raises(
        Exception,
        match="tag Environment='prod' overrides the environment's default tag Environment='dev'",
    ):
        synth_stack(tmp_path, build)


def test_props_from_reads_same_named_fields_and_takes_given_ones_first():
    from dataclasses import dataclass

    from stacks.base import props_from

    @dataclass(frozen=True)
    class ExampleProps:
        name: str
        zones: tuple[str, ...]
        size: int = 3

    class Section:
        name = "from-config"
        zones = ["a", "b"]
        unrelated = "ignored"

    assert props_from(Section(), ExampleProps) == ExampleProps("from-config", ("a", "b"), 3)
    assert props_from(Section(), ExampleProps, name="given", size=5) == ExampleProps(
        "given", ("a", "b"), 5
    )
    with pytest.raises(TypeError, match=r"ExampleProps has no field \['sise'\]"):
        props_from(Section(), ExampleProps, sise=5)


def test_every_config_field_of_a_construct_section_reaches_its_props():
    """A config field with no prop of its name would be silently ignored by `props_from`."""
    from dataclasses import fields

    from infra_config.model import (
        ClusterSettings,
        DatabaseSettings,
        NetworkSettings,
        NodeGroupSettings,
        RegistrySettings,
    )
    from infra_constructs.database import PostgresDatabaseProps
    from infra_constructs.eks import KubernetesClusterProps, NodeGroupProps
    from infra_constructs.network import NetworkProps
    from infra_constructs.registry import ImageRegistryProps

    read_elsewhere = {
        "vpc_cidr",  # NetworkStack passes it as `cidr`
        "kind",  # main.py: whether there is a database stack
        "credentials_refresh_minutes",  # the platform stack's ExternalSecret of the URL
    }
    for settings, props in [
        (RegistrySettings, ImageRegistryProps),
        (NetworkSettings, NetworkProps),
        (ClusterSettings, KubernetesClusterProps),
        (NodeGroupSettings, NodeGroupProps),
        (DatabaseSettings, PostgresDatabaseProps),
    ]:
        missing = set(settings.model_fields) - {f.name for f in fields(props)} - read_elsewhere
        assert not missing, f"{settings.__name__} fields no {props.__name__} field reads: {missing}"
