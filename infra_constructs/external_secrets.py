"""The External Secrets add-on: the operator (its namespace, IRSA identity and pinned chart) and
its ClusterSecretStore for AWS Secrets Manager; and `synced_secrets`, the release of the
ExternalSecrets another add-on's namespace needs (Jenkins uses it for its Secrets).

The custom resources go through a small local chart (`helm/aws-secrets`), installed by a
`helm_release` after the operator's release is ready: Terraform never needs their CRDs at plan
time (no `kubernetes_manifest`), and the operator's webhook is up before they are created.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from cdktf import ITerraformDependable
from constructs import Construct

from infra_config.secrets import PlatformSecret
from infra_constructs import rules
from infra_constructs.addon import pod_security_namespace
from infra_constructs.helm_addon import HelmAddon, HelmAddonProps, HelmChart
from infra_constructs.iam import policy_json
from infra_constructs.irsa import service_account_role
from infra_constructs.rules import check_fields

EXTERNAL_SECRETS_CHART = HelmChart(
    name="external-secrets", repository="https://charts.external-secrets.io"
)
OPERATOR_SERVICE_ACCOUNT = "external-secrets"
"""The operator's service account; its IAM role (IRSA) may read this environment's secrets."""
STORE_NAME = "aws-secrets-manager"
"""The ClusterSecretStore every ExternalSecret of the project reads from."""

RDS_INSTANCE_TAG = "aws:rds:primaryDBInstanceArn"
"""The tag RDS puts on the secret it manages for an instance's master user: the instance's ARN."""
SECRETS_MANAGER_READ_ACTIONS = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:GetSecretValue",
    "secretsmanager:ListSecretVersionIds",
)
"""What the operator's AWS provider calls to read a secret (External Secrets docs, AWS
Secrets Manager provider), and nothing that writes."""

AWS_SECRETS_CHART_DIR = Path(__file__).resolve().parent.parent / "helm" / "aws-secrets"
CHART_PATH_FROM_STACK = "../../../helm/aws-secrets"
"""The local chart as the helm provider opens it: relative to the stack's working directory,
`<output>/stacks/<stack>/`, with the output directory at the repository root."""


@dataclass(frozen=True)
class LocalChart:
    """A chart in this repository: how the helm provider finds it, its version, its digest."""

    chart: HelmChart
    version: str
    digest: str
    """The first 12 hex digits of the SHA-256 of every file of the chart: set as a value, so a
    changed template changes the release's values and Terraform upgrades it."""


def aws_secrets_chart(directory: Path = AWS_SECRETS_CHART_DIR) -> LocalChart:
    """The chart in `directory` (default `helm/aws-secrets`), opened at `CHART_PATH_FROM_STACK`."""
    files = sorted(path for path in directory.rglob("*") if path.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(directory)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    version = yaml.safe_load((directory / "Chart.yaml").read_text())["version"]
    return LocalChart(
        chart=HelmChart(name=CHART_PATH_FROM_STACK, repository=None),
        version=version,
        digest=digest.hexdigest()[:12],
    )


def external_secrets_values(
    secrets: Sequence[PlatformSecret], refresh_interval_minutes: int
) -> dict:
    """The values of `helm/aws-secrets` for one ExternalSecret per entry of `secrets`, read
    from `STORE_NAME` every `refresh_interval_minutes` (or the secret's own `refresh_minutes`)."""
    return {
        "storeName": STORE_NAME,
        "refreshInterval": f"{refresh_interval_minutes}m",
        "externalSecrets": [
            {
                "secretName": secret.secret,
                "namespace": secret.namespace,
                "awsName": secret.aws_name,
                "keys": list(secret.keys),
                **({"secretLabels": dict(secret.secret_labels)} if secret.secret_labels else {}),
                **({"literals": dict(secret.literals)} if secret.literals else {}),
                **(
                    {"databaseUrl": dataclasses.asdict(secret.database_url)}
                    if secret.database_url
                    else {}
                ),
                **(
                    {"refreshInterval": f"{secret.refresh_minutes}m"}
                    if secret.refresh_minutes
                    else {}
                ),
            }
            for secret in secrets
        ],
    }


def synced_secrets(
    scope: Construct,
    id: str,
    *,
    namespace: str,
    secrets: Sequence[PlatformSecret],
    refresh_interval_minutes: int,
    depends_on: Sequence[ITerraformDependable] = (),
) -> HelmAddon:
    """Release `id` in `namespace` of one ExternalSecret per entry of `secrets`, read from
    `STORE_NAME` every `refresh_interval_minutes` (or the secret's own `refresh_minutes`): each
    becomes its Kubernetes Secret, one key per `keys` entry, or its `database_url`."""
    chart = aws_secrets_chart()
    return HelmAddon(
        scope,
        id,
        props=HelmAddonProps(
            chart=chart.chart,
            version=chart.version,
            namespace=namespace,
            release_name=id,
            values={
                **external_secrets_values(secrets, refresh_interval_minutes),
                "chartDigest": chart.digest,
            },
            timeout_seconds=300,
            depends_on=depends_on,
        ),
    )


@dataclass(frozen=True)
class ExternalSecretsAddonProps:
    """Properties of `ExternalSecretsAddon`.

    version: exact `external-secrets` chart version (required).
    namespace: the operator's namespace (required); created with Pod Security `restricted`
        enforced (the chart's pods run as non-root, read-only, no capabilities).
    role_name: the operator's IAM role (required).
    oidc_issuer_url: the cluster's OIDC issuer, whose IAM provider the role trusts (required).
    readable_secret_arns: the Secrets Manager ARNs (patterns) the operator may read (required;
        this environment's prefix, never `*`).
    region: where the store reads Secrets Manager (required).
    store_namespaces: the namespaces whose ExternalSecrets may use the store (required).
    rds_instance_arns: RDS instances whose master secret the operator may read too (default
        none). RDS names that secret `rds!db-<id>` and tags it `RDS_INSTANCE_TAG` with the
        instance's ARN: the role may read a secret matching `rds_secret_arn_pattern` only
        while that tag names one of these instances.
    rds_secret_arn_pattern: `arn:<partition>:secretsmanager:<region>:<account>:secret:rds!db-*`
        (required with `rds_instance_arns`).
    """

    version: str
    namespace: str
    role_name: str
    oidc_issuer_url: str
    readable_secret_arns: tuple[str, ...]
    region: str
    store_namespaces: tuple[str, ...]
    rds_instance_arns: tuple[str, ...] = ()
    rds_secret_arn_pattern: str = ""

    def __post_init__(self) -> None:
        check_fields(self, namespace=rules.kubernetes_name)
        if not self.readable_secret_arns or any(
            arn.strip() in ("*", "arn:aws:secretsmanager:*") for arn in self.readable_secret_arns
        ):
            raise ValueError(
                "ExternalSecretsAddonProps.readable_secret_arns: "
                f"{list(self.readable_secret_arns)!r} must name this environment's secrets "
                "(arn:...:secret:<project>/<environment>/*), not every secret"
            )
        if self.rds_instance_arns and not self.rds_secret_arn_pattern:
            raise ValueError(
                "ExternalSecretsAddonProps.rds_secret_arn_pattern: empty; give the ARN pattern "
                "of RDS's secrets (arn:...:secret:rds!db-*) with rds_instance_arns"
            )
        if not self.store_namespaces:
            raise ValueError(
                "ExternalSecretsAddonProps.store_namespaces: empty; name the namespaces whose "
                "ExternalSecrets read from the store"
            )


class ExternalSecretsAddon:
    """Namespace, the operator's IRSA role (trusting exactly `OPERATOR_SERVICE_ACCOUNT` in the
    namespace) allowed `SECRETS_MANAGER_READ_ACTIONS` on `readable_secret_arns` only, the pinned
    chart with its CRDs, then the ClusterSecretStore `STORE_NAME` (local chart).
    After `deploy`: `role`, `release`, `store_release`."""

    def __init__(self, *, props: ExternalSecretsAddonProps) -> None:
        self.props = props

    def deploy(self, scope: Construct) -> HelmAddon:
        props = self.props
        self.role = service_account_role(
            scope,
            "external-secrets-role",
            role_name=props.role_name,
            oidc_issuer_url=props.oidc_issuer_url,
            namespace=props.namespace,
            service_account=OPERATOR_SERVICE_ACCOUNT,
            inline_policy=policy_json(
                [
                    {
                        "Sid": "ReadThisEnvironmentsSecrets",
                        "Effect": "Allow",
                        "Action": list(SECRETS_MANAGER_READ_ACTIONS),
                        "Resource": list(props.readable_secret_arns),
                    },
                    *(
                        [
                            {
                                "Sid": "ReadTheSecretRdsManagesForThisEnvironmentsDatabase",
                                "Effect": "Allow",
                                "Action": list(SECRETS_MANAGER_READ_ACTIONS),
                                "Resource": props.rds_secret_arn_pattern,
                                "Condition": {
                                    "StringEquals": {
                                        f"secretsmanager:ResourceTag/{RDS_INSTANCE_TAG}": list(
                                            props.rds_instance_arns
                                        )
                                    }
                                },
                            }
                        ]
                        if props.rds_instance_arns
                        else []
                    ),
                ]
            ),
        )
        namespace = pod_security_namespace(scope, props.namespace, enforce="restricted")
        self.release = HelmAddon(
            scope,
            "external-secrets",
            props=HelmAddonProps(
                chart=EXTERNAL_SECRETS_CHART,
                version=props.version,
                namespace=props.namespace,
                values={
                    "installCRDs": True,
                    "serviceAccount": {
                        "create": True,
                        "name": OPERATOR_SERVICE_ACCOUNT,
                        "annotations": {"eks.amazonaws.com/role-arn": self.role.role_arn},
                    },
                    "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}},
                },
                timeout_seconds=600,
                depends_on=(namespace,),
            ),
        )
        chart = aws_secrets_chart()
        self.store_release = HelmAddon(
            scope,
            "secret-store",
            props=HelmAddonProps(
                chart=chart.chart,
                version=chart.version,
                namespace=props.namespace,
                release_name="secret-store",
                values={
                    "clusterSecretStore": {
                        "name": STORE_NAME,
                        "region": props.region,
                        "namespaces": list(props.store_namespaces),
                    },
                    "chartDigest": chart.digest,
                },
                timeout_seconds=300,
                depends_on=(self.release.release,),
            ),
        )
        return self.release
