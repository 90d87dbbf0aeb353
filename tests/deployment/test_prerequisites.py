"""deployment.prerequisites: each check passes with one line, or fails with one line that says
what is missing and how to get it. Tools are executables on disk that print what the real ones
print; the AWS identity comes from boto3's real credential chain (moto answers STS)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from deployment import prerequisites
from deployment.prerequisites import PrerequisiteMissing
from infra_config import load_config
from infra_config.secrets import platform_secrets
from synth_helpers import helm_values


def tool(directory: Path, name: str, stdout: str, code: int = 0) -> Path:
    path = directory / name
    path.write_text(f"#!/bin/sh\ncat <<'EOF'\n{stdout}\nEOF\nexit {code}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def on_path(path: Path):
    return lambda name: str(path) if name == path.name else None


def nowhere(name):
    return None


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_no_credentials_is_one_line_saying_how_to_get_them(no_credentials):
    with pytest.raises(PrerequisiteMissing) as missing:
        prerequisites.aws_identity(boto3.Session(region_name="eu-west-1"))
    assert str(missing.value).startswith("AWS credentials: none found; set AWS_PROFILE")


def test_credentials_name_the_caller_and_the_account(no_credentials, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        line = prerequisites.aws_identity(boto3.Session(region_name="eu-west-1"))
    assert line == "AWS credentials: arn:aws:sts::123456789012:user/moto (account 123456789012)"


def test_aws_cli_v2_passes_v1_and_absence_do_not(tmp_path):
    v2 = tool(tmp_path, "aws", "aws-cli/2.22.0 Python/3.12.6 Linux/6.1 exe/x86_64")
    assert prerequisites.aws_cli(which=on_path(v2)) == f"aws CLI: 2.22.0 at {v2}"
    v1 = tool(tmp_path, "aws", "aws-cli/1.45.11 Python/3.11.7 Linux/6.18 botocore/1.43.11")
    with pytest.raises(
        PrerequisiteMissing, match=r"is 'aws-cli/1\.45\.11 .*'; install AWS CLI v2$"
    ):
        prerequisites.aws_cli(which=on_path(v1))
    with pytest.raises(PrerequisiteMissing, match=r"^aws CLI: not on PATH; install AWS CLI v2"):
        prerequisites.aws_cli(which=nowhere)


@pytest.mark.parametrize(
    ("version", "passes"), [("1.11.4", True), ("1.10.0", True), ("1.9.8", False), ("0.15.5", False)]
)
def test_terraform_needs_native_s3_locking(tmp_path, version, passes):
    terraform = tool(tmp_path, "terraform", json.dumps({"terraform_version": version}))
    if passes:
        assert (
            prerequisites.terraform(which=on_path(terraform))
            == f"terraform: {version} at {terraform}"
        )
    else:
        with pytest.raises(
            PrerequisiteMissing, match=f"is {version}; S3 native state locking needs >= 1.10"
        ):
            prerequisites.terraform(which=on_path(terraform))


def test_terraform_that_does_not_answer_and_missing_terraform(tmp_path):
    broken = tool(tmp_path, "terraform", "Segmentation fault", code=139)
    with pytest.raises(PrerequisiteMissing, match=r"did not report its version \(exit 139\)"):
        prerequisites.terraform(which=on_path(broken))
    with pytest.raises(
        PrerequisiteMissing, match=r"^terraform: not on PATH; install terraform >= 1\.10$"
    ):
        prerequisites.terraform(which=nowhere)


def test_kubectl(tmp_path):
    kubectl = tool(tmp_path, "kubectl", json.dumps({"clientVersion": {"gitVersion": "v1.34.1"}}))
    assert prerequisites.kubectl(which=on_path(kubectl)) == f"kubectl: v1.34.1 at {kubectl}"
    with pytest.raises(PrerequisiteMissing, match=r"^kubectl: not on PATH"):
        prerequisites.kubectl(which=nowhere)


def test_the_installed_terraform_passes():
    """The machine's own terraform (1.11.4 here) is what cdktf runs."""
    if prerequisites.shutil.which("terraform") is None:
        pytest.skip("no terraform on PATH")
    assert prerequisites.terraform().startswith("terraform: 1.")


SECRET = platform_secrets(load_config("dev"))[0]


@pytest.fixture
def secrets_manager(no_credentials, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        session = boto3.Session(region_name="eu-west-1")
        yield session, session.client("secretsmanager")


def test_a_missing_platform_secret_says_how_to_create_it(secrets_manager):
    session, _ = secrets_manager
    with pytest.raises(PrerequisiteMissing) as missing:
        prerequisites.platform_secret(session, SECRET, "eu-west-1")
    assert str(missing.value) == (
        "secret djeks/dev/jenkins-admin (the Jenkins admin login): not in Secrets Manager in "
        "eu-west-1; create it: aws secretsmanager create-secret --region eu-west-1 --name "
        "djeks/dev/jenkins-admin --secret-string "
        """'{"jenkins-admin-user":"<jenkins-admin-user>","jenkins-admin-password":"<jenkins-admin-password>"}'"""
    )


def test_a_present_secret_passes_and_one_scheduled_for_deletion_does_not(secrets_manager):
    session, client = secrets_manager
    client.create_secret(Name=SECRET.aws_name, SecretString='{"jenkins-admin-user": "admin"}')
    assert prerequisites.platform_secret(session, SECRET, "eu-west-1") == (
        "secret djeks/dev/jenkins-admin: present (the Jenkins admin login)"
    )
    client.delete_secret(SecretId=SECRET.aws_name, RecoveryWindowInDays=7)
    with pytest.raises(
        PrerequisiteMissing,
        match="scheduled for deletion; restore it: aws secretsmanager restore-secret",
    ):
        prerequisites.platform_secret(session, SECRET, "eu-west-1")


def test_the_platform_secrets_are_what_the_platform_syncs(dev):
    """The names the deploy checks are the names the platform's ExternalSecrets read."""
    values = helm_values(dev.stacks["platform"], "jenkins-secrets")
    synced = [entry["awsName"] for entry in values["externalSecrets"]]
    assert synced == [secret.aws_name for secret in platform_secrets(load_config("dev"))]
