"""The secrets the platform expects, by name: one home for the stacks that sync them into the
cluster (External Secrets) and for `make deploy`, which checks they exist before it starts.

Each lives in AWS Secrets Manager as a JSON object, named `<project>/<environment>/<Secret>`,
and becomes the Kubernetes Secret `<Secret>` in its namespace, one key per JSON property. Values
that can be made up are: `make deploy` creates such a secret with random values (Secrets
Manager's GetRandomPassword) when it does not exist yet. The Git token is set by a person with
one command (`create_command`, README "Secrets"). The database's credentials are RDS's own
secret, which RDS creates and rotates (`app_database_secret`). Nothing in Git, in the
synthesized JSON or in Terraform state holds a value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from delivery.values_file import environment_values_name
from infra_config.model import DatabaseKind, EnvironmentConfig
from infra_constructs.chart_values import deep_merge

APP_CHART_DIR = Path(__file__).resolve().parent.parent / "helm" / "django-app"

JENKINS_ADMIN_KEYS = ("jenkins-admin-user", "jenkins-admin-password")
"""The keys the Jenkins chart reads from its admin Secret (`controller.admin.userKey`, ...)."""

GIT_CREDENTIALS_KEYS = ("username", "password")
"""The keys of the Git credential JCasC builds (`${<secret>-username}`, `${<secret>-password}`)."""

WEBHOOK_SECRET_KEYS = ("secret",)
"""The key of the GitHub webhook's HMAC secret (JCasC `${<secret>-secret}`)."""


@dataclass(frozen=True)
class PlatformSecret:
    """One secret: where it is kept in AWS and which Kubernetes Secret it becomes.

    fixed: keys with a value that is not secret, e.g. the admin user name (default none).
    random: keys `make deploy` fills with random values (default none). When every key is
        fixed or random, the deploy creates the secret; otherwise a person does, once.
    secret_labels: labels of the Kubernetes Secret (default none).
    literals: non-secret keys the Kubernetes Secret has besides `keys` (default none).
    database_url: instead of one key per `keys` entry, the Kubernetes Secret holds one key, a
        `DATABASE_URL` built from them (`DatabaseUrl`), besides the literals (default none).
    refresh_minutes: how often External Secrets reads it again (default: the operator's
        `addons.external_secrets.refresh_interval_minutes`).
    """

    aws_name: str
    namespace: str
    secret: str
    keys: tuple[str, ...]
    purpose: str
    fixed: tuple[tuple[str, str], ...] = ()
    random: tuple[str, ...] = ()
    secret_labels: tuple[tuple[str, str], ...] = ()
    literals: tuple[tuple[str, str], ...] = ()
    database_url: DatabaseUrl | None = None
    refresh_minutes: int | None = None

    @property
    def generated(self) -> bool:
        """Whether `make deploy` creates it: no key needs a person."""
        return set(self.keys) == {key for key, _ in self.fixed} | set(self.random)

    def create_command(self, region: str) -> str:
        """The AWS CLI command that creates it, with placeholders for the values."""
        placeholder = json.dumps({key: f"<{key}>" for key in self.keys}, separators=(",", ":"))
        return (
            f"aws secretsmanager create-secret --region {region} --name {self.aws_name} "
            f"--secret-string '{placeholder}'"
        )


def secrets_prefix(config: EnvironmentConfig) -> str:
    """The name prefix of the environment's secrets; the operator may read only these."""
    return f"{config.project}/{config.environment}/"


JENKINS_ADMIN_USER = "admin"
"""The Jenkins administrator's user name (its password is random)."""

RANDOM_APP_KEYS = frozenset({"DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"})
"""Keys of the app's Secrets that are made up."""

RDS_SECRET_KEYS = ("username", "password")
"""The JSON properties of the secret RDS manages for the master user
(`manage_master_user_password`)."""


@dataclass(frozen=True)
class DatabaseUrl:
    """A `DATABASE_URL` that External Secrets builds: `postgres://<username>:<password>@<host>:
    <port>/<database>`, the user name and password read from the AWS secret's `username` and
    `password` (`RDS_SECRET_KEYS`) and URL-encoded, so any character RDS puts in a password is
    safe. `key` is the Kubernetes Secret's key that holds it."""

    key: str
    host: str
    port: str
    database: str


@cache
def _chart_values(environment: str | None) -> dict:
    """The chart's `values.yaml`, with `values-<environment>.yaml` over it when there is one."""
    values = yaml.safe_load((APP_CHART_DIR / "values.yaml").read_text())
    if environment is None:
        return values
    extra = APP_CHART_DIR / environment_values_name(environment)
    if not extra.is_file():
        return values
    return deep_merge(values, yaml.safe_load(extra.read_text()) or {})


def app_database_values(kind: DatabaseKind) -> dict:
    """The Django chart's database values that the Argo CD Application sets for `database.kind`.
    rds: the external database's Secret (the chart's `database.existingSecret`, which the
    platform stack makes from the credentials RDS manages), no in-cluster PostgreSQL.
    in-cluster: the chart's PostgreSQL, its password in the app's Secret
    (`secrets.existingSecret`)."""
    defaults = _chart_values(None)
    if kind == "in-cluster":
        return {
            "database": {"existingSecret": ""},
            "postgresql": {
                "enabled": True,
                "auth": {"existingSecret": defaults["secrets"]["existingSecret"]},
            },
        }
    return {
        "database": {"existingSecret": defaults["database"]["existingSecret"]},
        "postgresql": {"enabled": False},
    }


def app_values(environment: str, kind: DatabaseKind) -> dict:
    """What the chart renders with in `environment`: `values.yaml`, `values-<environment>.yaml`,
    then the Application's database values (`app_database_values`)."""
    return deep_merge(_chart_values(environment), app_database_values(kind))


def app_secret_keys(environment: str, kind: DatabaseKind) -> dict[str, tuple[str, ...]]:
    """The Secrets kept in Secrets Manager that the Django chart reads in `environment` with a
    database of `kind`, by name, with their keys: `secrets.existingSecret` (the secret key) and,
    with the in-cluster PostgreSQL, `postgresql.auth.existingSecret` (its password). The
    external database's Secret (`database.existingSecret`) is not one: it is built from RDS's
    own secret (`app_database_secret`)."""
    values = app_values(environment, kind)
    wanted: list[tuple[str, str]] = [
        (values["secrets"]["existingSecret"], values["secrets"]["secretKeyKey"])
    ]
    if values["postgresql"].get("enabled"):
        auth = values["postgresql"]["auth"]
        wanted.append((auth["existingSecret"], auth["passwordKey"]))
    found: dict[str, tuple[str, ...]] = {}
    for name, key in wanted:
        if key not in found.get(name, ()):
            found[name] = (*found.get(name, ()), key)
    return found


def app_secrets(config: EnvironmentConfig) -> tuple[PlatformSecret, ...]:
    """The Django app's Secrets kept in Secrets Manager, in its namespace (`app_secret_keys`)."""
    return tuple(
        PlatformSecret(
            aws_name=secrets_prefix(config) + name,
            namespace=config.platform.app.namespace,
            secret=name,
            keys=keys,
            purpose="the Django app's " + ", ".join(keys),
            random=tuple(key for key in keys if key in RANDOM_APP_KEYS),
        )
        for name, keys in app_secret_keys(config.environment, config.database.kind).items()
    )


def app_database_secret(
    config: EnvironmentConfig, *, secret_arn: str, host: str, port: str, ca_bundle: str
) -> PlatformSecret:
    """The external database's Secret (rds): `DATABASE_URL` (`DatabaseUrl`) from the secret RDS
    manages, `secret_arn`, and the endpoint `host`:`port`; with the PEM `ca_bundle` that signs
    the server's certificate under the chart's `database.caKey`. RDS creates and rotates that
    secret, so `make deploy` neither checks nor creates it; External Secrets reads it again
    every `database.credentials_refresh_minutes`."""
    values = app_values(config.environment, config.database.kind)["database"]
    return PlatformSecret(
        aws_name=secret_arn,
        namespace=config.platform.app.namespace,
        secret=values["existingSecret"],
        keys=RDS_SECRET_KEYS,
        purpose="the Django app's DATABASE_URL, from the credentials RDS manages",
        literals=((values["caKey"], ca_bundle),) if values["caKey"] else (),
        database_url=DatabaseUrl(
            key=values["urlKey"],
            host=host,
            port=port,
            database=config.database.database_name,
        ),
        refresh_minutes=config.database.credentials_refresh_minutes,
    )


def platform_secrets(config: EnvironmentConfig) -> tuple[PlatformSecret, ...]:
    """Every Kubernetes Secret the platform stack syncs into the cluster, in the order they are
    checked: Jenkins' (`jenkins_secrets`), Argo CD's (`argocd_secrets`), the app's
    (`app_secrets`). Two may read the same secret in AWS."""
    return (*jenkins_secrets(config), *argocd_secrets(config), *app_secrets(config))


ARGOCD_REPOSITORY_LABEL = ("argocd.argoproj.io/secret-type", "repository")
"""The label by which Argo CD finds a repository's credentials."""


def argocd_secrets(config: EnvironmentConfig) -> tuple[PlatformSecret, ...]:
    """Argo CD's credentials for a private `gitops.repo_url` (`platform.argocd.
    repository_credentials`): the Git token of `git-credentials`, as the repository Secret
    `repo-<app>` that Argo CD reads (keys `username`, `password`, plus `type` and `url`)."""
    if not config.platform.argocd.repository_credentials:
        return ()
    jenkins = config.platform.jenkins
    return (
        PlatformSecret(
            aws_name=secrets_prefix(config) + jenkins.git_credentials_secret,
            namespace=config.platform.argocd.namespace,
            secret=f"repo-{config.platform.app.name}",
            keys=GIT_CREDENTIALS_KEYS,
            purpose="Argo CD's read access to gitops.repo_url (the Git token)",
            secret_labels=(ARGOCD_REPOSITORY_LABEL,),
            literals=(("type", "git"), ("url", config.gitops.repo_url)),
        ),
    )


def jenkins_secrets(config: EnvironmentConfig) -> tuple[PlatformSecret, ...]:
    """Jenkins' Secrets: the admin login, the Git token, and the webhook's HMAC key when
    GitHub delivers webhooks (`ingress.jenkins_webhook_host`)."""
    jenkins = config.platform.jenkins
    return (
        PlatformSecret(
            aws_name=secrets_prefix(config) + jenkins.admin_secret,
            namespace=jenkins.namespace,
            secret=jenkins.admin_secret,
            keys=JENKINS_ADMIN_KEYS,
            purpose="the Jenkins admin login",
            fixed=((JENKINS_ADMIN_KEYS[0], JENKINS_ADMIN_USER),),
            random=(JENKINS_ADMIN_KEYS[1],),
        ),
        PlatformSecret(
            aws_name=secrets_prefix(config) + jenkins.git_credentials_secret,
            namespace=jenkins.namespace,
            secret=jenkins.git_credentials_secret,
            keys=GIT_CREDENTIALS_KEYS,
            purpose="a Git token that may push to gitops.repo_url (the tag bump)",
        ),
        *(
            (
                PlatformSecret(
                    aws_name=secrets_prefix(config) + jenkins.webhook_secret,
                    namespace=jenkins.namespace,
                    secret=jenkins.webhook_secret,
                    keys=WEBHOOK_SECRET_KEYS,
                    purpose="the HMAC key of the GitHub webhook (Settings > Webhooks > Secret)",
                    random=WEBHOOK_SECRET_KEYS,
                ),
            )
            if config.ingress.jenkins_webhook_host
            else ()
        ),
    )
