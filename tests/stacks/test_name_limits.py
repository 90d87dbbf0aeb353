"""Names built on `<project>-<environment>` stay within every AWS limit they feed, at the longest
project and environment names the configuration allows (`rules.NAME_PART_LENGTH`)."""

from __future__ import annotations

import pytest

from infra_constructs.rules import NAME_PART_LENGTH
from synth_helpers import shipped_config, synthesize_config

AWS_NAME_LIMITS = {
    ("aws_iam_role", "name"): 64,
    ("aws_iam_role_policy", "name"): 128,
    ("aws_eks_cluster", "name"): 100,
    ("aws_eks_node_group", "node_group_name"): 63,
    ("aws_launch_template", "name_prefix"): 102,  # 128 less the 26 characters Terraform adds
    ("aws_db_instance", "identifier"): 63,
    ("aws_db_instance", "final_snapshot_identifier"): 255,
    ("aws_db_subnet_group", "name"): 255,
    ("aws_db_parameter_group", "name"): 255,
    ("aws_security_group", "name"): 255,
    ("aws_kms_alias", "name"): 256,
    ("aws_cloudwatch_log_group", "name"): 512,
    ("aws_ecr_repository", "name"): 256,
    ("aws_dynamodb_table", "name"): 255,
}
"""(resource type, argument): the longest value AWS accepts (each service's API reference)."""


@pytest.fixture(scope="module")
def longest(tmp_path_factory):
    from infra_config import EnvironmentConfig

    data = {**shipped_config("dev"), "project": "p" * NAME_PART_LENGTH}
    data["environment"] = environment = "e" * NAME_PART_LENGTH
    config = EnvironmentConfig.model_validate(data, context={"environment": environment})
    return synthesize_config(config, tmp_path_factory.mktemp("longest"))


def test_every_name_fits_its_aws_limit_at_the_longest_prefix(longest):
    checked = 0
    for stack in longest.stacks.values():
        for resource_type, resources in stack.get("resource", {}).items():
            for resource in resources.values():
                for (kind, argument), limit in AWS_NAME_LIMITS.items():
                    value = resource.get(argument) if kind == resource_type else None
                    if isinstance(value, str) and "${" not in value:
                        assert len(value) <= limit, f"{resource_type}.{argument} {value!r}"
                        checked += 1
    assert checked > 20, "the names were found"
