"""What `make deploy` and `make destroy` check before they touch anything, one line each.

Each check returns the line it prints when it passes and raises `PrerequisiteMissing` with the
line that says what is missing and how to get it. Tools are found on PATH and asked for their
version; the AWS identity comes from the default credential chain (AWS_PROFILE, SSO, keys,
instance roles), the same one terraform's AWS provider and `aws eks get-token` use. The
secrets the platform syncs into the cluster (`infra_config.secrets`) must exist in Secrets
Manager before the deploy starts: without them Jenkins would wait for its Secrets and roll back.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from infra_config.secrets import PlatformSecret

MINIMUM_TERRAFORM = (1, 10)
"""S3 native state locking (`use_lockfile`), which every S3 backend of the stacks turns on."""

MINIMUM_AWS_CLI = (2, 0)
"""The helm and kubernetes providers authenticate with `aws eks get-token` (README, Platform)."""

Runner = Callable[[Sequence[str]], subprocess.CompletedProcess]


class PrerequisiteMissing(Exception):
    """A prerequisite is missing; the message is one line saying what and how to get it."""


class SecretToCreate(Exception):
    """A secret is absent, and the deploy will create it with random values (its message is
    the line to print)."""


RANDOM_LENGTH = 48
"""Characters of each random value: letters and digits only, so that a value is safe in a URL
(the in-cluster database's password) and in JCasC."""


def run_quietly(argv: Sequence[str]) -> subprocess.CompletedProcess:
    """`argv` with its output captured, no input, a 60-second limit."""
    return subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def _version(text: str) -> tuple[int, ...] | None:
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(part) for part in found.groups() if part is not None) if found else None


def aws_identity(session, expected_account: str | None = None) -> str:
    """The caller the credentials resolve to (boto3 `session`, STS GetCallerIdentity), in
    `expected_account` when the config pins one (`aws.account_id`)."""
    try:
        identity = session.client("sts").get_caller_identity()
    except NoCredentialsError:
        raise PrerequisiteMissing(
            "AWS credentials: none found; set AWS_PROFILE (after `aws sso login` or "
            "`aws configure`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for the target account"
        ) from None
    except ClientError as error:
        raise PrerequisiteMissing(
            f"AWS credentials: refused by STS ({error.response['Error'].get('Code')}); "
            "renew them (`aws sso login`) and run again"
        ) from None
    except BotoCoreError as error:
        raise PrerequisiteMissing(f"AWS credentials: {str(error)[:200]}") from None
    if expected_account is not None and identity["Account"] != expected_account:
        raise PrerequisiteMissing(
            f"AWS credentials: {identity['Arn']} is in account {identity['Account']}, not "
            f"aws.account_id {expected_account}: use that account's credentials (AWS_PROFILE), "
            "or correct aws.account_id"
        )
    return f"AWS credentials: {identity['Arn']} (account {identity['Account']})"


def shared_repository(session, repository: str, region: str, source: str) -> str:
    """The image repository that this environment shares with `source` exists: `source`'s
    registry stack creates it (`infra_config.promotion`)."""
    client = session.client("ecr", region_name=region)
    try:
        client.describe_repositories(repositoryNames=[repository])
    except client.exceptions.RepositoryNotFoundException:
        raise PrerequisiteMissing(
            f"image repository {repository}: not in {region}; this environment shares it with "
            f"{source}, whose registry stack creates it: make deploy ENV={source} first (in "
            "another account, set aws.account_id in both files)"
        ) from None
    except ClientError as error:
        raise PrerequisiteMissing(
            f"image repository {repository}: cannot be described "
            f"({error.response['Error'].get('Code')}); the deploying identity needs "
            "ecr:DescribeRepositories"
        ) from None
    return f"image repository {repository}: present (shared with {source})"


def no_sharer_deployed(session, sharer, stack: str = "registry") -> str:
    """`sharer` (an environment sharing this one's image repositories) is not deployed: the
    state of its `stack` in its bucket holds nothing. Destroying this environment's
    repositories would take away the images it runs, and leave it unable to plan."""
    from infra_config.state_paths import state_key

    bucket, key = sharer.state.bucket, state_key(sharer, stack)
    client = session.client("s3", region_name=sharer.aws.region)
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response["Error"].get("Code") in ("NoSuchKey", "NoSuchBucket", "404"):
            return f"{sharer.environment}: not deployed (no s3://{bucket}/{key})"
        raise PrerequisiteMissing(
            f"{sharer.environment}'s state s3://{bucket}/{key}: cannot be read "
            f"({error.response['Error'].get('Code')}); it shares this environment's image "
            "repository, so its state is checked before a destroy"
        ) from None
    try:
        state = json.loads(body)
    except ValueError:
        state = None
    resources = state.get("resources", []) if isinstance(state, dict) else ["unreadable"]
    if resources:
        raise PrerequisiteMissing(
            f"{sharer.environment} is deployed and runs images from this environment's "
            f"repository (s3://{bucket}/{key} holds {len(resources)} resource(s)): "
            f"make destroy ENV={sharer.environment} CONFIRM={sharer.environment} first"
        )
    return f"{sharer.environment}: not deployed (its {stack} state is empty)"


def database_unlocked(session, identifier: str, region: str) -> str:
    """The environment's RDS instance, if there is one, may be deleted: its deletion protection
    is off. It is lifted by hand, on purpose, never by the destroy (prod keeps it on by rule)."""
    client = session.client("rds", region_name=region)
    try:
        [instance] = client.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    except client.exceptions.DBInstanceNotFoundFault:
        return f"database {identifier}: none (nothing to protect)"
    except ClientError as error:
        raise PrerequisiteMissing(
            f"database {identifier}: cannot be described ({error.response['Error'].get('Code')});"
            " the destroying identity needs rds:DescribeDBInstances"
        ) from None
    if instance.get("DeletionProtection"):
        raise PrerequisiteMissing(
            f"database {identifier}: deletion protection is on; to delete it on purpose: aws rds "
            f"modify-db-instance --region {region} --db-instance-identifier {identifier} "
            "--no-deletion-protection --apply-immediately, then run make destroy again"
        )
    return f"database {identifier}: deletion protection off"


def aws_cli(run: Runner = run_quietly, which: Callable[[str], str | None] = shutil.which) -> str:
    """AWS CLI v2 on PATH: the providers call `aws eks get-token` with it."""
    path = which("aws")
    if path is None:
        raise PrerequisiteMissing(
            "aws CLI: not on PATH; install AWS CLI v2 (the helm and kubernetes providers run "
            "`aws eks get-token`)"
        )
    result = run([path, "--version"])
    version = _version(result.stdout + result.stderr)
    if result.returncode != 0 or version is None or version[:2] < MINIMUM_AWS_CLI:
        shown = (result.stdout + result.stderr).strip()[:80] or f"exit {result.returncode}"
        raise PrerequisiteMissing(f"aws CLI: {path} is {shown!r}; install AWS CLI v2")
    return f"aws CLI: {'.'.join(map(str, version))} at {path}"


def terraform(run: Runner = run_quietly, which: Callable[[str], str | None] = shutil.which) -> str:
    """terraform >= 1.10 on PATH: cdktf runs it."""
    wanted = ".".join(map(str, MINIMUM_TERRAFORM))
    path = which("terraform")
    if path is None:
        raise PrerequisiteMissing(f"terraform: not on PATH; install terraform >= {wanted}")
    result = run([path, "version", "-json"])
    try:
        version_text = json.loads(result.stdout)["terraform_version"]
    except (ValueError, KeyError, TypeError):
        raise PrerequisiteMissing(
            f"terraform: {path} did not report its version (exit {result.returncode}); "
            f"install terraform >= {wanted}"
        ) from None
    version = _version(version_text)
    if version is None or version[:2] < MINIMUM_TERRAFORM:
        raise PrerequisiteMissing(
            f"terraform: {path} is {version_text}; S3 native state locking needs >= {wanted}"
        )
    return f"terraform: {version_text} at {path}"


def kubectl(run: Runner = run_quietly, which: Callable[[str], str | None] = shutil.which) -> str:
    """kubectl on PATH: the destroy removes Argo CD Applications and load balancers with it."""
    path = which("kubectl")
    if path is None:
        raise PrerequisiteMissing(
            "kubectl: not on PATH; install kubectl (the destroy deletes Argo CD Applications, "
            "Ingresses and LoadBalancer Services with it)"
        )
    result = run([path, "version", "--client", "-o", "json"])
    if result.returncode != 0:
        raise PrerequisiteMissing(f"kubectl: {path} version exited {result.returncode}")
    try:
        shown = json.loads(result.stdout)["clientVersion"]["gitVersion"]
    except (ValueError, KeyError, TypeError):
        shown = "unknown version"
    return f"kubectl: {shown} at {path}"


def platform_secret(session, secret: PlatformSecret, region: str) -> str:
    """`secret` exists in Secrets Manager and is not scheduled for deletion. Only its
    description is read (DescribeSecret), never its value."""
    client = session.client("secretsmanager", region_name=region)
    try:
        described = client.describe_secret(SecretId=secret.aws_name)
    except client.exceptions.ResourceNotFoundException:
        if secret.generated:
            raise SecretToCreate(
                f"secret {secret.aws_name} ({secret.purpose}): absent; created with random "
                "values before the first stack"
            ) from None
        raise PrerequisiteMissing(
            f"secret {secret.aws_name} ({secret.purpose}): not in Secrets Manager in {region}; "
            f"create it: {secret.create_command(region)}"
        ) from None
    except ClientError as error:
        raise PrerequisiteMissing(
            f"secret {secret.aws_name}: cannot be described "
            f"({error.response['Error'].get('Code')}); the deploying identity needs "
            "secretsmanager:DescribeSecret on it"
        ) from None
    if described.get("DeletedDate"):
        raise PrerequisiteMissing(
            f"secret {secret.aws_name}: scheduled for deletion; restore it: aws secretsmanager "
            f"restore-secret --region {region} --secret-id {secret.aws_name}"
        )
    return f"secret {secret.aws_name}: present ({secret.purpose})"


def create_secret(session, secret: PlatformSecret, region: str, tags: dict[str, str]) -> str:
    """Create `secret` (every key fixed or random, `PlatformSecret.generated`) with random
    values from Secrets Manager's GetRandomPassword; returns the line to print, which names
    the keys but never a value. An existing secret is left as it is."""
    client = session.client("secretsmanager", region_name=region)
    try:
        values = dict(secret.fixed)
        for key in secret.random:
            values[key] = client.get_random_password(
                PasswordLength=RANDOM_LENGTH, ExcludePunctuation=True, IncludeSpace=False
            )["RandomPassword"]
        client.create_secret(
            Name=secret.aws_name,
            Description=f"{secret.purpose}; created by make deploy",
            SecretString=json.dumps(values),
            Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
        )
    except client.exceptions.ResourceExistsException:
        return f"secret {secret.aws_name}: present (made meanwhile), left as it is"
    except ClientError as error:
        raise PrerequisiteMissing(
            f"secret {secret.aws_name}: cannot be created "
            f"({error.response['Error'].get('Code')}); the deploying identity needs "
            "secretsmanager:GetRandomPassword, CreateSecret and TagResource on it"
        ) from None
    random = ", ".join(secret.random)
    return f"secret {secret.aws_name}: created, random {random}"
