"""Each configuration rule rejects a bad value with one line: file, field, value, what's allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra_config import ConfigError, available_environments, load_config
from synth_helpers import SHIPPED_ENVIRONMENTS, set_path, shipped_config


def load_variant(tmp_path: Path, data, environment: str = "dev"):
    (tmp_path / f"{environment}.yaml").write_text(yaml.safe_dump(data))
    return load_config(environment, tmp_path)


def error_of(tmp_path: Path, data, environment: str = "dev") -> str:
    with pytest.raises(ConfigError) as raised:
        load_variant(tmp_path, data, environment)
    return str(raised.value)


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_shipped_environments_are_valid(environment):
    config = load_config(environment)
    assert config.environment == environment
    assert set(SHIPPED_ENVIRONMENTS) <= set(available_environments())


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "network.vpc_cidr",
            "10.0.0.0/33",
            "network.vpc_cidr: '10.0.0.0/33' is not allowed: use an IPv4 network in CIDR form",
        ),
        (
            "network.vpc_cidr",
            "10.0.0.1/16",
            "network.vpc_cidr: '10.0.0.1/16' is not allowed: "
            "use an IPv4 network in CIDR form with host bits zero",
        ),
        (
            "network.vpc_cidr",
            "10.0.0.0/8",
            "network.vpc_cidr: '10.0.0.0/8' is not allowed: "
            "use a prefix length between /16 and /24",
        ),
        (
            "network.az_count",
            1,
            "network.az_count: 1 is not allowed: Input should be greater than or equal to 2",
        ),
        (
            "cluster.node_groups.0.min_size",
            -1,
            "cluster.node_groups[0].min_size: -1 is not "
            "allowed: Input should be greater than or equal to 1",
        ),
        (
            "cluster.node_groups.0.name",
            "General",
            "cluster.node_groups[0].name: 'General' is not allowed: use 2-32 lowercase letters",
        ),
        (
            "cluster.node_groups.0.capacity_type",
            "spot",
            "capacity_type: 'spot' is not allowed: Input should be 'ON_DEMAND' or 'SPOT'",
        ),
        (
            "cluster.endpoint_public_access_cidrs",
            ["1.2.3.4/40"],
            "cluster.endpoint_public_access_cidrs: ['1.2.3.4/40'] is not allowed: '1.2.3.4/40' is "
            "not an IPv4 CIDR",
        ),
        (
            "cluster.admin_principal_arns",
            ["admin"],
            "cluster.admin_principal_arns: ['admin'] is "
            "not allowed: 'admin' is not an IAM role or user ARN",
        ),
        (
            "state.bucket",
            "Djeks-State",
            "state.bucket: 'Djeks-State' is not allowed: use 3-63 "
            "lowercase letters, digits, dots or hyphens",
        ),
        ("state.lock_table", "a b", "state.lock_table: 'a b' is not allowed: use 3-255 letters"),
        (
            "state.noncurrent_version_expiration_days",
            0,
            "state.noncurrent_version_expiration_"
            "days: 0 is not allowed: Input should be greater than or equal to 1",
        ),
        (
            "state.backend_stack_state",
            "remote",
            "state.backend_stack_state: 'remote' is not allowed: Input should be 'local' or 's3'",
        ),
        ("aws.region", "Europe", "aws.region: 'Europe' is not allowed: use an AWS region name"),
        (
            "registry.repository_name",
            "Django_App",
            "registry.repository_name: 'Django_App' is not allowed: use lowercase letters, digits",
        ),
        (
            "gitops.repo_url",
            "github.com/x/y",
            "gitops.repo_url: 'github.com/x/y' is not allowed: use an https:// or ssh Git URL",
        ),
        (
            "gitops.repo_url",
            "https://bot:ghp_secret@github.com/x/y.git",
            "is not allowed: the URL holds a credential; write the URL without it and keep the "
            "token in Secrets Manager <project>/<environment>/git-credentials",
        ),
        (
            "charts.jenkins",
            "latest",
            "charts.jenkins: 'latest' is not allowed: use an exact chart version such as 1.2.3",
        ),
        ("project", "My Project", "project: 'My Project' is not allowed: use 2-12 lowercase"),
        (
            "dns.zone_name",
            "Example.com.",
            "dns.zone_name: 'Example.com.' is not allowed: use a lower-case DNS name",
        ),
        (
            "addons.cluster_autoscaler.expander",
            "price",
            "addons.cluster_autoscaler.expander: 'price' is not allowed: Input should be "
            "'least-waste', 'random', 'most-pods' or 'priority'",
        ),
        (
            "addons.cluster_autoscaler.scale_down_utilization_threshold",
            0.95,
            "addons.cluster_autoscaler.scale_down_utilization_threshold: 0.95 is not allowed: "
            "Input should be less than or equal to 0.9",
        ),
        (
            "addons.load_balancer_controller.replicas",
            0,
            "addons.load_balancer_controller.replicas: 0 is not allowed: Input should be "
            "greater than or equal to 1",
        ),
        (
            "addons.external_dns.policy",
            "create-only",
            "addons.external_dns.policy: 'create-only' is not allowed: Input should be "
            "'upsert-only' or 'sync'",
        ),
        (
            "tags",
            {"aws:owner": "x"},
            "tags: tag 'aws:owner': keys have 1-128 characters and do not start with 'aws:'",
        ),
    ],
)
def test_bad_value_names_file_field_value_and_rule(tmp_path, path, value, expected):
    message = error_of(tmp_path, set_path(shipped_config(), path, value))
    assert message.count("\n") == 0, message
    assert message.startswith(f"{tmp_path / 'dev.yaml'}: ")
    assert expected in message


@pytest.mark.parametrize(
    ("environment", "path", "value", "expected"),
    [
        (
            "dev",
            "cluster.node_groups",
            [
                {
                    "name": "general",
                    "instance_types": ["t3.large"],
                    "min_size": 1,
                    "desired_size": 1,
                    "max_size": 2,
                },
                {
                    "name": "general",
                    "instance_types": ["t3.large"],
                    "min_size": 1,
                    "desired_size": 1,
                    "max_size": 2,
                },
            ],
            "node group names ['general'] are used twice",
        ),
        (
            "prod",
            "database.multi_az",
            False,
            "database: multi_az must be true in prod",
        ),
        (
            "prod",
            "database.kind",
            "in-cluster",
            "database.kind: 'in-cluster' is not allowed in prod: use rds",
        ),
        (
            "dev",
            "database.kind",
            "postgres",
            "database.kind",
        ),
        (
            "dev",
            "database.credentials_refresh_minutes",
            0,
            "database.credentials_refresh_minutes",
        ),
        (
            "prod",
            "database.deletion_protection",
            False,
            "database: deletion_protection must be true in prod",
        ),
        (
            "dev",
            "database.engine_version",
            "15",
            "database.engine_version: '15' is not allowed: use one of the PostgreSQL major "
            "versions 16, 17",
        ),
        (
            "dev",
            "database.backup_retention_days",
            0,
            "database.backup_retention_days: 0 is not allowed: Input should be greater than or "
            "equal to 1",
        ),
        (
            "dev",
            "database.backup_retention_days",
            36,
            "database.backup_retention_days: 36 is not allowed: Input should be less than or "
            "equal to 35",
        ),
        (
            "dev",
            "database.instance_class",
            "large",
            "database.instance_class: 'large' is not allowed: use an RDS instance class",
        ),
        (
            "dev",
            "database.max_allocated_storage_gib",
            20,
            "must be at least 10 % above allocated_storage_gib 20",
        ),
        (
            "dev",
            "database.allocated_storage_gib",
            10,
            "database.allocated_storage_gib: 10 is not allowed: Input should be greater than or "
            "equal to 20",
        ),
        (
            "dev",
            "ingress.app_host",
            "app.dev.example.com",
            "ingress hosts ['app.dev.example.com'] need a certificate: set "
            "ingress.certificate_arn, or dns.zone_name",
        ),
        (
            "prod",
            "ingress.app_host",
            "app.example.org",
            "ingress hosts ['app.example.org'] are not in dns.zone_name 'prod.example.com'",
        ),
        (
            "prod",
            "ingress.allowed_cidrs",
            [],
            "ingress: jenkins_host and argocd_host need allowed_cidrs",
        ),
        (
            "prod",
            "ingress.allowed_cidrs",
            ["0.0.0.0/0"],
            "'0.0.0.0/0' opens the prod Jenkins and Argo CD UIs to the whole internet",
        ),
        (
            "prod",
            "ingress.allowed_cidrs",
            ["198.51.100.7/24"],
            "'198.51.100.7/24' is not an IPv4 CIDR such as 203.0.113.0/24",
        ),
        (
            "prod",
            "ingress.argocd_host",
            "app.prod.example.com",
            "must all differ: each is its own Ingress",
        ),
        (
            "prod",
            "ingress.certificate_arn",
            "arn:aws:iam::123456789012:server-certificate/x",
            "is not allowed: use an ACM certificate ARN",
        ),
        (
            "dev",
            "network.private_subnet_newbits",
            1,
            "network: 2 subnets of /24 do not fit in 10.10.0.0/16 after the ones before them; "
            "use fewer newbits or a larger VPC CIDR",
        ),
        (
            "dev",
            "network.public_subnet_newbits",
            13,
            "network.public_subnet_newbits: 13 is not allowed: Input should be less than or equal "
            "to 12",
        ),
        (
            "prod",
            "cluster.node_groups.0.desired_size",
            10,
            "cluster.node_groups[0]: sizes must satisfy 1 <= min_size <= desired_size <= max_size, "
            "got 3 <= 10 <= 9",
        ),
        (
            "prod",
            "cluster.node_groups.0.min_size",
            0,
            "cluster.node_groups[0].min_size: 0 is not allowed: Input should be greater than or "
            "equal to 1",
        ),
        (
            "dev",
            "cluster.version",
            "1.29",
            "cluster.version: '1.29' is not allowed: use one of the supported EKS versions "
            "1.32, 1.33, 1.34, 1.35",
        ),
        (
            "prod",
            "cluster.endpoint_public_access_cidrs",
            ["0.0.0.0/0"],
            "cluster.endpoint_public_access_cidrs: ['0.0.0.0/0'] is not allowed: '0.0.0.0/0' opens "
            "the prod API endpoint to the whole internet",
        ),
        ("dev", "registry.cache_expire_days", 0, "registry.cache_expire_days: 0 is not allowed"),
        (
            "prod",
            "network.availability_zones",
            ["eu-west-1a", "eu-west-1a", "eu-west-1b"],
            "network: availability_zones ['eu-west-1a', 'eu-west-1a', 'eu-west-1b'] must name "
            "az_count (3) different zones",
        ),
        (
            "dev",
            "network.availability_zones",
            ["us-east-1a", "us-east-1b"],
            "(top level): network.availability_zones: 'us-east-1a' is not a zone of eu-west-1; use "
            "names such as eu-west-1a",
        ),
        (
            "dev",
            "platform.jenkins.plugins",
            ["git:latest"],
            "platform.jenkins.plugins: ['git:latest'] is not allowed: 'git:latest' is not pinned",
        ),
        (
            "dev",
            "platform.app.namespace",
            "Django",
            "platform.app.namespace: 'Django' is not allowed: use a Kubernetes name",
        ),
    ],
)
def test_cross_field_and_environment_rules(tmp_path, environment, path, value, expected):
    data = set_path(shipped_config(environment), path, value)
    message = error_of(tmp_path, data, environment)
    assert message.count("\n") == 0, message
    assert expected in message


def test_dev_may_open_its_endpoint_to_anywhere(tmp_path):
    data = set_path(shipped_config("dev"), "cluster.endpoint_public_access_cidrs", ["0.0.0.0/0"])
    assert load_variant(tmp_path, data).cluster.endpoint_public_access_cidrs == ["0.0.0.0/0"]


def test_misspelt_key_is_one_line_suggesting_the_right_spelling(tmp_path):
    data = shipped_config()
    data["network"]["vpc_cidrr"] = data["network"].pop("vpc_cidr")
    assert error_of(tmp_path, data).endswith(
        "dev.yaml: network.vpc_cidrr: unknown key; did you mean 'vpc_cidr'?"
    )


def test_unknown_key_lists_the_allowed_keys(tmp_path):
    message = error_of(tmp_path, set_path(shipped_config(), "registry.scan", True))
    assert message.endswith(
        "registry.scan: unknown key; allowed keys here: repository_name, keep_tagged_images, "
        "expire_untagged_days, cache_expire_days"
    )


def test_unknown_key_inside_a_list_item_is_found(tmp_path):
    message = error_of(tmp_path, set_path(shipped_config(), "cluster.node_groups.0.spot", True))
    assert "cluster.node_groups[0].spot: unknown key; allowed keys here: name," in message


def test_missing_required_key_is_named(tmp_path):
    data = shipped_config()
    del data["state"]["bucket"]
    assert error_of(tmp_path, data).endswith("state.bucket: required key is missing; add it")


def test_environment_must_match_file_name(tmp_path):
    message = error_of(tmp_path, shipped_config("prod"), environment="staging")
    assert message.endswith(
        "staging.yaml: environment: 'prod' does not match the file name; set environment: staging"
    )


def test_missing_environment_file_lists_the_available_ones(tmp_path):
    (tmp_path / "dev.yaml").write_text(yaml.safe_dump(shipped_config()))
    with pytest.raises(ConfigError) as raised:
        load_config("staging", tmp_path)
    assert str(raised.value) == (
        f"{tmp_path / 'staging.yaml'}: no such environment file; available environments: dev "
        f"(create {tmp_path / 'staging.yaml'} to add 'staging')"
    )


def test_invalid_yaml_names_the_line(tmp_path):
    (tmp_path / "dev.yaml").write_text("project: djeks\nnetwork: [unclosed\n")
    with pytest.raises(ConfigError) as raised:
        load_config("dev", tmp_path)
    assert "dev.yaml: invalid YAML at line 3" in str(raised.value)


def test_top_level_must_be_a_mapping(tmp_path):
    (tmp_path / "dev.yaml").write_text("- just\n- a list\n")
    with pytest.raises(
        ConfigError, match="expected a mapping of settings at the top level, got list"
    ):
        load_config("dev", tmp_path)


def test_config_is_frozen():
    config = load_config("dev")
    with pytest.raises(Exception, match="frozen"):
        config.project = "other"


def test_config_that_locks_everybody_out_of_the_cluster_is_refused(tmp_path):
    data = set_path(shipped_config("dev"), "cluster.deployer_admin", False)
    assert error_of(tmp_path, data).endswith(
        "dev.yaml: cluster: nobody could administer the cluster: set cluster.deployer_admin: "
        "true, or list your admin roles in cluster.admin_principal_arns"
    )


def test_a_credential_in_a_url_is_refused_and_never_repeated(tmp_path):
    url = "https://bot:ghp_secret@github.com/x/y.git"
    message = error_of(tmp_path, set_path(shipped_config(), "gitops.repo_url", url))
    assert "ghp_secret" not in message and "bot:" not in message
    assert "'https://***@github.com/x/y.git' is not allowed: the URL holds a credential" in message
