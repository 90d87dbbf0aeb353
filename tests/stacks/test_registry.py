"""The registry stack: immutable, scanned, encrypted ECR repositories with lifecycle rules."""

from __future__ import annotations

import json

import pytest

from infra_constructs.registry import ImageRegistryProps
from synth_helpers import resources


def repositories(stack: dict) -> dict[str, dict]:
    return {r["name"]: r for r in resources(stack, "aws_ecr_repository")}


def lifecycle_rules(stack: dict, repository_key: str) -> list[dict]:
    [policy] = [
        p for p in resources(stack, "aws_ecr_lifecycle_policy") if repository_key in p["repository"]
    ]
    return json.loads(policy["policy"])["rules"]


def test_image_and_cache_repositories_exist(dev):
    assert set(repositories(dev.stacks["registry"])) == {
        "djeks/django-app",
        "djeks/django-app/cache",
    }


@pytest.mark.parametrize("name", ["djeks/django-app", "djeks/django-app/cache"])
def test_repositories_are_immutable_scanned_and_encrypted(prod, name):
    repository = repositories(prod.stacks["registry"])[name]
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["image_scanning_configuration"] == {"scan_on_push": True}
    assert repository["encryption_configuration"] == [{"encryption_type": "KMS"}]


def test_image_lifecycle_keeps_n_tagged_and_expires_untagged(prod):
    rules = lifecycle_rules(prod.stacks["registry"], "registry_repository_")
    untagged, tagged = sorted(rules, key=lambda rule: rule["rulePriority"])
    assert untagged["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 14,
    }
    assert tagged["selection"] == {
        "tagStatus": "tagged",
        "tagPatternList": ["*"],
        "countType": "imageCountMoreThan",
        "countNumber": 100,
    }
    assert {rule["action"]["type"] for rule in rules} == {"expire"}


def test_cache_lifecycle_expires_layers_after_the_configured_days(dev):
    [rule] = lifecycle_rules(dev.stacks["registry"], "registry_cache-repository_")
    assert rule["selection"]["tagStatus"] == "any"
    assert rule["selection"]["countNumber"] == 14


def test_outputs_give_jenkins_the_urls_and_arns(dev):
    assert set(dev.stacks["registry"]["output"]) == {
        "repository_url",
        "repository_arn",
        "cache_repository_url",
        "cache_repository_arn",
    }


def test_props_reject_a_zero_count():
    with pytest.raises(ValueError, match="ImageRegistryProps.keep_tagged_images: 0 must be"):
        ImageRegistryProps(repository_name="r", keep_tagged_images=0)
