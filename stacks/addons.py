"""addons: what the cluster needs before the platform is installed on it.

The External Secrets Operator and its store for AWS Secrets Manager, from which the platform's
Secrets are synced; metrics-server, whose metrics the app's HPA scales on. The cluster is looked
up by name, as in the platform stack, so nothing here depends on values unknown at plan time.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_eks_cluster import DataAwsEksCluster
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from constructs import Construct

from infra_config import EnvironmentConfig
from infra_config.secrets import platform_secrets, secrets_prefix
from infra_constructs.external_secrets import (
    STORE_NAME,
    ExternalSecretsAddon,
    ExternalSecretsAddonProps,
)
from infra_constructs.kubernetes_providers import KubernetesProviders, KubernetesProvidersProps
from infra_constructs.metrics_server import MetricsServerAddon, MetricsServerAddonProps
from stacks.base import EnvironmentStack, cluster_name


class AddonsStack(EnvironmentStack):
    """The External Secrets Operator (IRSA role reading only `<project>/<environment>/*` in
    Secrets Manager) and the ClusterSecretStore the platform's ExternalSecrets use."""

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, id, config=config)
        settings = config.addons.external_secrets

        cluster = DataAwsEksCluster(self, "cluster", name=cluster_name(config))
        KubernetesProviders(
            props=KubernetesProvidersProps(cluster=cluster, region=config.aws.region)
        ).deploy(self)
        account = DataAwsCallerIdentity(self, "account")
        partition = DataAwsPartition(self, "partition")

        external_secrets = ExternalSecretsAddon(
            props=ExternalSecretsAddonProps(
                version=config.charts.external_secrets,
                namespace=settings.namespace,
                role_name=f"{config.name_prefix}-external-secrets",
                oidc_issuer_url=cluster.identity.get(0).oidc.get(0).issuer,
                readable_secret_arns=(
                    f"arn:{partition.partition}:secretsmanager:{config.aws.region}:"
                    f"{account.account_id}:secret:{secrets_prefix(config)}*",
                ),
                region=config.aws.region,
                store_namespaces=tuple(
                    sorted({secret.namespace for secret in platform_secrets(config)})
                ),
            )
        )
        external_secrets.deploy(self)

        if config.addons.metrics_server.enabled:
            MetricsServerAddon(
                props=MetricsServerAddonProps(
                    version=config.charts.metrics_server,
                    replicas=config.addons.metrics_server.replicas,
                )
            ).deploy(self)

        self.add_outputs(
            {
                "external_secrets_role_arn": (
                    external_secrets.role.role_arn,
                    "IAM role of the External Secrets Operator (reads this environment's secrets).",
                ),
                "secret_store_name": (STORE_NAME, "ClusterSecretStore of AWS Secrets Manager."),
                "secrets_prefix": (
                    secrets_prefix(config),
                    "Name prefix of the secrets the operator may read in Secrets Manager.",
                ),
            }
        )
