"""Values AWS, git or Kubernetes would refuse at apply time are refused here, in one line,
before any construct exists (issue 16)."""

from __future__ import annotations

import pytest
import yaml

from infra_config import ConfigError, load_config
from synth_helpers import set_path, shipped_config


def error_of(tmp_path, environment: str, **changes) -> str:
    data = shipped_config(environment)
    for path, value in changes.items():
        data = set_path(data, path.replace("__", "."), value)
    (tmp_path / f"{environment}.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as raised:
        load_config(environment, tmp_path)
    return str(raised.value)


@pytest.mark.parametrize(
    ("environment", "changes", "expected"),
    [
        ("dev", {"network__vpc_cidr": "10.10.0.0/255.255.0.0"}, "write it as 10.10.0.0/16"),
        ("dev", {"network__vpc_cidr": "10.10.0.0"}, "write it as 10.10.0.0/32"),
        ("dev", {"network__vpc_cidr": "10.0.0.0/12"}, "prefix length between /16 and /24"),
        ("dev", {"network__vpc_cidr": "127.0.0.0/16"}, "a loopback range cannot be a VPC"),
        ("dev", {"network__vpc_cidr": "169.254.0.0/16"}, "a link-local range cannot be a VPC"),
        ("dev", {"network__vpc_cidr": "224.0.0.0/16"}, "a multicast range cannot be a VPC"),
        (
            "dev",
            {"cluster__endpoint_public_access_cidrs": ["203.0.113.7"]},
            "'203.0.113.7': write it as 203.0.113.7/32",
        ),
        (
            "prod",
            {"cluster__endpoint_public_access_cidrs": ["0.0.0.0/1", "128.0.0.0/1"]},
            "together these ranges cover 4294967296 addresses, more than a /8",
        ),
        (
            "prod",
            {"ingress__allowed_cidrs": ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2"]},
            "opens the prod Jenkins and Argo CD UIs to much of the internet",
        ),
        ("dev", {"project": "djeks-platform"}, "project: 'djeks-platform' is not allowed"),
        ("dev", {"cluster__log_retention_days": 45}, "CloudWatch Logs keeps logs for one of"),
        ("dev", {"network__flow_log_retention_days": 0}, "CloudWatch Logs keeps logs for one of"),
        ("dev", {"aws__region": "eu-nowhere-1"}, "not a region where EKS runs"),
        ("dev", {"tags": {f"k{i}": "v" for i in range(41)}}, "41 tags: at most 40"),
        ("dev", {"tags": {"Owner": "team;rm -rf"}}, "tag 'Owner': keys have 1-128 characters"),
        ("dev", {"gitops__branch": "main..evil"}, "use a branch name git accepts"),
        ("dev", {"gitops__branch": "-f"}, "use a branch name git accepts"),
        ("dev", {"gitops__chart_path": "../../etc"}, "use a relative path inside the repository"),
        ("dev", {"gitops__jenkinsfile_path": "/Jenkinsfile"}, "use a relative path inside"),
        ("dev", {"gitops__bot_email": "bot@"}, "use an e-mail address"),
        ("dev", {"gitops__bot_name": "Bot\nSigned-off-by: x"}, "without '<', '>' or control"),
        ("dev", {"ingress__app_host": "App.Example.com"}, "use a lower-case DNS name"),
        (
            "dev",
            {"cluster__admin_principal_arns": ["arn:aws:iam::123456789012:role/a"] * 2},
            "principals ['arn:aws:iam::123456789012:role/a'] listed twice",
        ),
        (
            "dev",
            {"cluster__endpoint_public_access_cidrs": ["203.0.113.0/24"] * 2},
            "CIDRs ['203.0.113.0/24'] listed twice",
        ),
        (
            "dev",
            {"platform__jenkins__plugins": ["git:5.7.0", "git:5.8.0"]},
            "plugins ['git'] listed twice",
        ),
        (
            "dev",
            {"cluster__node_groups__0__instance_types": ["t3.large", "t3.large"]},
            "instance types ['t3.large'] listed twice",
        ),
    ],
)
def test_a_value_its_consumer_would_refuse_is_one_line(tmp_path, environment, changes, expected):
    message = error_of(tmp_path, environment, **changes)
    assert expected in message
    assert "\n" not in message
