"""The registry stack: immutable, scanned, encrypted ECR repositories with lifecycle rules."""

from __future__ import annotations

import json

import pytest

from delivery.deployed import kept_tag_pattern
from infra_constructs.registry import ImageRegistryProps
from synth_helpers import ConfigDir, resources


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
def test_repositories_are_immutable_scanned_and_encrypted(dev, name):
    repository = repositories(dev.stacks["registry"])[name]
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert repository["image_scanning_configuration"] == {"scan_on_push": True}
    assert repository["encryption_configuration"] == [{"encryption_type": "KMS"}]


def test_image_lifecycle_keeps_n_tagged_and_expires_untagged(dev):
    rules = lifecycle_rules(dev.stacks["registry"], "registry_repository_")
    untagged, promoted, tagged = sorted(rules, key=lambda rule: rule["rulePriority"])
    assert untagged["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 7,
    }
    # prod shares dev's registry: the images promoted to it (tagged prod-<tag> by promotion)
    # match a rule of their own first, so dev's builds never push them out.
    assert promoted["selection"] == {
        "tagStatus": "tagged",
        "tagPatternList": [kept_tag_pattern("prod")],
        "countType": "imageCountMoreThan",
        "countNumber": 100,  # prod's registry.keep_tagged_images
    }
    assert kept_tag_pattern("prod") == "prod-*"
    assert tagged["selection"] == {
        "tagStatus": "tagged",
        "tagPatternList": ["*"],
        "countType": "imageCountMoreThan",
        "countNumber": 30,
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


def registry_stack(config, outdir) -> dict:
    """The registry stack alone for `config`, synthesized into `outdir`."""
    from cdktf import App

    from stacks.registry import RegistryStack

    app = App(outdir=str(outdir))
    RegistryStack(app, "registry", config=config)
    app.synth()
    return json.loads((outdir / "stacks" / "registry" / "cdk.tf.json").read_text())


@pytest.fixture
def configs(tmp_path, monkeypatch):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    return ConfigDir(config_dir, monkeypatch)


def test_prod_shares_devs_repositories_and_creates_none(dev, prod):
    assert not resources(dev.stacks["registry"], "aws_ecr_replication_configuration")
    stack = prod.stacks["registry"]
    assert "resource" not in stack
    looked_up = {d["name"] for d in stack["data"]["aws_ecr_repository"].values()}
    assert looked_up == {"djeks/django-app", "djeks/django-app/cache"}
    assert stack["output"]["repository_url"]["value"] == (
        "${data.aws_ecr_repository.repository.repository_url}"
    )
    assert "shared with dev" in stack["output"]["repository_url"]["description"]


def test_across_accounts_dev_replicates_and_prod_accepts_only_dev(configs, tmp_path):
    configs.edit("dev", aws__account_id="111111111111")
    configs.edit("prod", aws__account_id="222222222222")
    dev = registry_stack(configs.load("dev"), tmp_path / "dev")
    prod = registry_stack(configs.load("prod"), tmp_path / "prod")
    [replication] = resources(dev, "aws_ecr_replication_configuration")
    [rule] = replication["replication_configuration"]["rule"]
    assert rule["destination"] == [{"region": "eu-west-1", "registry_id": "222222222222"}]
    assert rule["repository_filter"] == [
        {"filter": "djeks/django-app", "filter_type": "PREFIX_MATCH"}
    ]
    assert set(repositories(prod)) == {"djeks/django-app", "djeks/django-app/cache"}
    [policy] = resources(prod, "aws_ecr_registry_policy")
    [statement] = json.loads(policy["policy"])["Statement"]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert statement["Action"] == ["ecr:CreateRepository", "ecr:ReplicateImage"]
    image, cache = statement["Resource"]
    assert image.startswith("${aws_ecr_repository.registry_repository_") and image.endswith(".arn}")
    assert cache.startswith("${aws_ecr_repository.registry_cache-repository_")
    # prod's own registry keeps the images promoted to it apart from dev's replicated builds.
    [prod_image_rules] = [
        json.loads(policy["policy"])["rules"]
        for policy in resources(prod, "aws_ecr_lifecycle_policy")
        if "registry_repository_" in policy["repository"]
    ]
    assert [rule["selection"].get("tagPatternList") for rule in prod_image_rules] == [
        None,
        ["prod-*"],
        ["*"],
    ]
    assert prod_image_rules[1]["selection"]["countNumber"] == 100
    # Each registry refuses the other account's credentials.
    assert prod["provider"]["aws"][0]["allowed_account_ids"] == ["222222222222"]
    assert dev["provider"]["aws"][0]["allowed_account_ids"] == ["111111111111"]
    assert "resource" not in dev or not resources(dev, "aws_ecr_registry_policy")


def test_another_region_of_the_same_account_is_replicated_to_this_account(configs, tmp_path):
    configs.edit(
        "prod",
        aws__region="eu-central-1",
        network__availability_zones=["eu-central-1a", "eu-central-1b", "eu-central-1c"],
    )
    dev = registry_stack(configs.load("dev"), tmp_path / "dev")
    prod = registry_stack(configs.load("prod"), tmp_path / "prod")
    [replication] = resources(dev, "aws_ecr_replication_configuration")
    [rule] = replication["replication_configuration"]["rule"]
    [destination] = rule["destination"]
    assert destination["region"] == "eu-central-1"
    assert destination["registry_id"].startswith("${data.aws_caller_identity.")
    assert set(repositories(prod)) == {"djeks/django-app", "djeks/django-app/cache"}
    assert not resources(prod, "aws_ecr_registry_policy")
    assert "allowed_account_ids" not in prod["provider"]["aws"][0]


def test_registry_props_refuse_a_malformed_account():
    with pytest.raises(ValueError) as error:
        ImageRegistryProps(repository_name="app", replication_source_account="1234")
    assert str(error.value) == (
        "ImageRegistryProps: account '1234': use the 12 digits of the AWS account ID, quoted as "
        'a string (e.g. "123456789012")'
    )
