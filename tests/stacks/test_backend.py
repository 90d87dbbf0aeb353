"""The backend stack as the app wires it: local state for bootstrap, outputs for the next step."""

from __future__ import annotations

import json

from infra_config import load_config
from main import build_app
from synth_helpers import SHIPPED_ENVIRONMENTS, only_resource


def test_backend_bootstraps_on_local_state(dev):
    assert set(dev.stacks["backend"]["terraform"]["backend"]) == {"local"}


def test_backend_moves_to_its_own_bucket_after_migration(tmp_path):
    config = load_config("dev")
    migrated = config.model_copy(
        update={"state": config.state.model_copy(update={"backend_stack_state": "s3"})}
    )
    build_app(migrated, str(tmp_path)).synth()
    stack = json.loads((tmp_path / "stacks" / "backend" / "cdk.tf.json").read_text())
    assert stack["terraform"]["backend"]["s3"]["bucket"] == "djeks-dev-tfstate-example"
    assert stack["terraform"]["backend"]["s3"]["key"] == "djeks/dev/backend.tfstate"


def test_bucket_and_table_names_come_from_config(prod):
    stack = prod.stacks["backend"]
    assert only_resource(stack, "aws_s3_bucket")["bucket"] == "djeks-prod-tfstate-example"
    assert only_resource(stack, "aws_dynamodb_table")["name"] == "djeks-prod-tflock"
    lifecycle = only_resource(stack, "aws_s3_bucket_lifecycle_configuration")
    assert lifecycle["rule"][0]["noncurrent_version_expiration"] == [{"noncurrent_days": 365}]


def test_outputs_name_what_other_stacks_and_ci_roles_need(synth):
    for environment in SHIPPED_ENVIRONMENTS:
        outputs = synth(environment).stacks["backend"]["output"]
        assert set(outputs) == {
            "state_bucket_name",
            "state_bucket_arn",
            "lock_table_name",
            "lock_table_arn",
        }
        assert outputs["state_bucket_arn"]["value"].endswith(".arn}")
