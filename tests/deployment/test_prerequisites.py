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


SECRETS = {secret.secret: secret for secret in platform_secrets(load_config("dev"))}
SECRET = SECRETS["git-credentials"]
"""A secret a person supplies (the Git token)."""
GENERATED = SECRETS["jenkins-admin"]
"""A secret make deploy creates (a fixed user name, a random password)."""


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
        "secret djeks/dev/git-credentials (a Git token that may push to gitops.repo_url (the "
        "tag bump)): not in Secrets Manager in eu-west-1; create it: aws secretsmanager "
        "create-secret --region eu-west-1 --name djeks/dev/git-credentials --secret-string "
        """'{"username":"<username>","password":"<password>"}'"""
    )


def test_only_the_git_token_is_left_to_a_person_in_shipped_dev():
    assert [s.secret for s in platform_secrets(load_config("dev")) if not s.generated] == [
        "git-credentials"
    ]


def test_an_absent_random_secret_is_created_once_with_values_never_printed(secrets_manager):
    session, client = secrets_manager
    with pytest.raises(prerequisites.SecretToCreate, match="absent; created with random values"):
        prerequisites.platform_secret(session, GENERATED, "eu-west-1")
    line = prerequisites.create_secret(session, GENERATED, "eu-west-1", {"Project": "djeks"})
    assert line == ("secret djeks/dev/jenkins-admin: created, random jenkins-admin-password")
    stored = client.get_secret_value(SecretId=GENERATED.aws_name)
    values = json.loads(stored["SecretString"])
    assert values["jenkins-admin-user"] == "admin"
    password = values["jenkins-admin-password"]
    assert len(password) == prerequisites.RANDOM_LENGTH and password.isalnum()
    assert password not in line
    tags = client.describe_secret(SecretId=GENERATED.aws_name)["Tags"]
    assert {"Key": "Project", "Value": "djeks"} in tags
    # Present now: the check passes, and a second creation leaves the value alone.
    assert prerequisites.platform_secret(session, GENERATED, "eu-west-1").endswith(
        "present (the Jenkins admin login)"
    )
    assert "left as it is" in prerequisites.create_secret(session, GENERATED, "eu-west-1", {})
    again = json.loads(client.get_secret_value(SecretId=GENERATED.aws_name)["SecretString"])
    assert again["jenkins-admin-password"] == password


def test_a_present_secret_passes_and_one_scheduled_for_deletion_does_not(secrets_manager):
    session, client = secrets_manager
    client.create_secret(Name=SECRET.aws_name, SecretString='{"username": "bot"}')
    assert prerequisites.platform_secret(session, SECRET, "eu-west-1") == (
        "secret djeks/dev/git-credentials: present (a Git token that may push to "
        "gitops.repo_url (the tag bump))"
    )
    client.delete_secret(SecretId=SECRET.aws_name, RecoveryWindowInDays=7)
    with pytest.raises(
        PrerequisiteMissing,
        match="scheduled for deletion; restore it: aws secretsmanager restore-secret",
    ):
        prerequisites.platform_secret(session, SECRET, "eu-west-1")


def test_the_platform_secrets_are_what_the_platform_syncs(dev):
    """The names the deploy checks are the names the platform's ExternalSecrets read."""
    entries = [
        entry
        for release in ("jenkins-secrets", "django-app-secrets")
        for entry in helm_values(dev.stacks["platform"], release)["externalSecrets"]
    ]
    synced = [entry["awsName"] for entry in entries if "databaseUrl" not in entry]
    assert synced == [secret.aws_name for secret in platform_secrets(load_config("dev"))]
    # The database's URL comes from the secret RDS makes and rotates: nothing for the deploy.
    [from_rds] = [entry["awsName"] for entry in entries if "databaseUrl" in entry]
    assert from_rds == "${data.aws_db_instance.database.master_user_secret[0].secret_arn}"


@pytest.fixture
def tools_installed(monkeypatch):
    """The AWS CLI and terraform, as make deploy finds them on a prepared machine."""
    monkeypatch.setattr(prerequisites, "aws_cli", lambda: "aws-cli/2.17.0")
    monkeypatch.setattr(prerequisites, "terraform", lambda: "terraform: 1.11.4")


def test_the_deploy_creates_what_is_random_and_refuses_what_a_person_must_supply(
    secrets_manager, tools_installed
):
    from deployment.__main__ import Refused, _create_secrets, _prerequisites

    session, client = secrets_manager
    config = load_config("dev")
    lines: list[str] = []
    with pytest.raises(Refused, match="1 prerequisite"):
        _prerequisites("deploy", config, session, lines.append)
    assert [line.split()[0] for line in lines[3:]] == ["create", "missing", "create"]
    assert client.list_secrets()["SecretList"] == [], "a refused deploy creates nothing"

    client.create_secret(Name=SECRET.aws_name, SecretString='{"username":"u","password":"p"}')
    lines.clear()
    to_create = _prerequisites("deploy", config, session, lines.append)
    assert [secret.secret for secret in to_create] == ["jenkins-admin", "django-app"]
    _create_secrets(to_create, config, session, lines.append)
    assert lines[-2:] == [
        "created  secret djeks/dev/jenkins-admin: created, random jenkins-admin-password",
        "created  secret djeks/dev/django-app: created, random DJANGO_SECRET_KEY",
    ]
    app = json.loads(client.get_secret_value(SecretId="djeks/dev/django-app")["SecretString"])
    assert sorted(app) == ["DJANGO_SECRET_KEY"], "with RDS the app's Secret holds no password"
    lines.clear()
    assert _prerequisites("deploy", config, session, lines.append) == []
    assert all(line.startswith("ok ") for line in lines)


def test_with_the_in_cluster_database_the_deploy_makes_its_password_too(
    secrets_manager, tools_installed
):
    from deployment.__main__ import _create_secrets, _prerequisites

    session, client = secrets_manager
    config = load_config("dev")
    config = config.model_copy(
        update={"database": config.database.model_copy(update={"kind": "in-cluster"})}
    )
    client.create_secret(Name=SECRET.aws_name, SecretString='{"username":"u","password":"p"}')
    lines: list[str] = []
    to_create = _prerequisites("deploy", config, session, lines.append)
    _create_secrets(to_create, config, session, lines.append)
    app = json.loads(client.get_secret_value(SecretId="djeks/dev/django-app")["SecretString"])
    assert sorted(app) == ["DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"]
    assert app["POSTGRES_PASSWORD"].isalnum(), "the chart puts it into a URL as it is"


def test_credentials_of_another_account_than_the_pinned_one_are_refused(
    no_credentials, monkeypatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        session = boto3.Session(region_name="eu-west-1")
        assert prerequisites.aws_identity(session, "123456789012").endswith(
            "(account 123456789012)"
        )
        with pytest.raises(PrerequisiteMissing) as missing:
            prerequisites.aws_identity(session, "222222222222")
    assert str(missing.value) == (
        "AWS credentials: arn:aws:sts::123456789012:user/moto is in account 123456789012, not "
        "aws.account_id 222222222222: use that account's credentials (AWS_PROFILE), or correct "
        "aws.account_id"
    )


def test_prod_is_deployed_after_dev_whose_image_repository_it_shares(
    secrets_manager, tools_installed
):
    from deployment.__main__ import Refused, _prerequisites

    session, _ = secrets_manager
    config = load_config("prod")
    lines: list[str] = []
    with pytest.raises(Refused):
        _prerequisites("deploy", config, session, lines.append)
    assert (
        "missing  image repository djeks/django-app: not in eu-west-1; this environment shares "
        "it with dev, whose registry stack creates it: make deploy ENV=dev first (in another "
        "account, set aws.account_id in both files)"
    ) in lines
    session.client("ecr").create_repository(repositoryName="djeks/django-app")
    lines.clear()
    with pytest.raises(Refused):  # the Git token is still missing
        _prerequisites("deploy", config, session, lines.append)
    assert "ok       image repository djeks/django-app: present (shared with dev)" in lines


def test_dev_is_not_destroyed_while_prod_runs_its_images(secrets_manager):
    session, _ = secrets_manager
    prod = load_config("prod")
    s3 = session.client("s3")
    assert prerequisites.no_sharer_deployed(session, prod).startswith("prod: not deployed (no ")
    s3.create_bucket(
        Bucket=prod.state.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    key = "djeks/prod/registry.tfstate"
    s3.put_object(Bucket=prod.state.bucket, Key=key, Body=json.dumps({"resources": [{}, {}]}))
    with pytest.raises(PrerequisiteMissing) as missing:
        prerequisites.no_sharer_deployed(session, prod)
    assert str(missing.value) == (
        "prod is deployed and runs images from this environment's repository "
        f"(s3://{prod.state.bucket}/{key} holds 2 resource(s)): make destroy ENV=prod "
        "CONFIRM=prod first"
    )
    s3.put_object(Bucket=prod.state.bucket, Key=key, Body=json.dumps({"resources": []}))
    assert prerequisites.no_sharer_deployed(session, prod) == (
        "prod: not deployed (its registry state is empty)"
    )


def test_make_destroy_of_dev_checks_prod_first(secrets_manager, monkeypatch):
    from deployment.__main__ import _prerequisites

    monkeypatch.setattr(prerequisites, "aws_cli", lambda: "aws-cli/2.17.0")
    monkeypatch.setattr(prerequisites, "terraform", lambda: "terraform: 1.11.4")
    monkeypatch.setattr(prerequisites, "kubectl", lambda: "kubectl: v1.34.0")
    session, _ = secrets_manager
    lines: list[str] = []
    assert _prerequisites("destroy", load_config("dev"), session, lines.append) == []
    assert "ok       prod: not deployed (no s3://" in " ".join(lines)


def test_a_protected_database_stops_the_destroy_before_anything_with_the_command_to_lift_it(
    secrets_manager,
):
    session, _ = secrets_manager
    rds = session.client("rds")
    identifier = "djeks-prod-postgres"
    assert prerequisites.database_unlocked(session, identifier, "eu-west-1") == (
        f"database {identifier}: none (nothing to protect)"
    )
    rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.t4g.micro",
        Engine="postgres",
        MasterUsername="django",
        MasterUserPassword="not-a-real-password-1",
        AllocatedStorage=20,
        DeletionProtection=True,
    )
    with pytest.raises(PrerequisiteMissing) as missing:
        prerequisites.database_unlocked(session, identifier, "eu-west-1")
    assert str(missing.value) == (
        f"database {identifier}: deletion protection is on; to delete it on purpose: aws rds "
        f"modify-db-instance --region eu-west-1 --db-instance-identifier {identifier} "
        "--no-deletion-protection --apply-immediately, then run make destroy again"
    )
    rds.modify_db_instance(
        DBInstanceIdentifier=identifier, DeletionProtection=False, ApplyImmediately=True
    )
    assert prerequisites.database_unlocked(session, identifier, "eu-west-1") == (
        f"database {identifier}: deletion protection off"
    )
