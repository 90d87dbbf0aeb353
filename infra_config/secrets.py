"""The secrets the platform expects, by name: one home for the stacks that sync them into the
cluster (External Secrets) and for `make deploy`, which checks they exist before it starts.

Each lives in AWS Secrets Manager as a JSON object, named `<project>/<environment>/<Secret>`,
and becomes the Kubernetes Secret `<Secret>` in its namespace, one key per JSON property. Their
values are set by a person (`aws secretsmanager create-secret`, README "Secrets"); nothing in
Git, in the synthesized JSON or in Terraform state holds them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from infra_config.model import EnvironmentConfig

JENKINS_ADMIN_KEYS = ("jenkins-admin-user", "jenkins-admin-password")
"""The keys the Jenkins chart reads from its admin Secret (`controller.admin.userKey`, ...)."""

GIT_CREDENTIALS_KEYS = ("username", "password")
"""The keys of the Git credential JCasC builds (`${<secret>-username}`, `${<secret>-password}`)."""

WEBHOOK_SECRET_KEYS = ("secret",)
"""The key of the GitHub webhook's HMAC secret (JCasC `${<secret>-secret}`)."""


@dataclass(frozen=True)
class PlatformSecret:
    """One secret: where it is kept in AWS and which Kubernetes Secret it becomes."""

    aws_name: str
    namespace: str
    secret: str
    keys: tuple[str, ...]
    purpose: str

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


def platform_secrets(config: EnvironmentConfig) -> tuple[PlatformSecret, ...]:
    """Every secret the platform stack syncs into the cluster, in the order they are checked."""
    jenkins = config.platform.jenkins
    return (
        PlatformSecret(
            aws_name=secrets_prefix(config) + jenkins.admin_secret,
            namespace=jenkins.namespace,
            secret=jenkins.admin_secret,
            keys=JENKINS_ADMIN_KEYS,
            purpose="the Jenkins admin login",
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
                ),
            )
            if config.ingress.jenkins_webhook_host
            else ()
        ),
    )
