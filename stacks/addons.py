"""addons: what the cluster needs before the platform is installed on it.

In order: the External Secrets Operator and its store for AWS Secrets Manager, from which the
platform's Secrets are synced; the AWS Load Balancer Controller, which gives Ingresses their
ALBs; metrics-server, whose metrics the app's HPA scales on; Cluster Autoscaler, which sizes the
node groups; external-dns, which writes the Ingress hosts' records when a zone is configured.
Each has its switch in `addons.<name>` of the config. The cluster is looked up by name, as in
the platform stack, so nothing here depends on values unknown at plan time.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_eks_cluster import DataAwsEksCluster
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.data_aws_route53_zone import DataAwsRoute53Zone
from constructs import Construct

from infra_config import EnvironmentConfig
from infra_config.secrets import platform_secrets, secrets_prefix
from infra_constructs.cluster_autoscaler import (
    ClusterAutoscalerAddon,
    ClusterAutoscalerAddonProps,
)
from infra_constructs.external_dns import ExternalDnsAddon, ExternalDnsAddonProps
from infra_constructs.external_secrets import (
    STORE_NAME,
    ExternalSecretsAddon,
    ExternalSecretsAddonProps,
)
from infra_constructs.kubernetes_providers import KubernetesProviders, KubernetesProvidersProps
from infra_constructs.load_balancer_controller import (
    LoadBalancerControllerAddon,
    LoadBalancerControllerAddonProps,
)
from infra_constructs.metrics_server import MetricsServerAddon, MetricsServerAddonProps
from stacks.base import EnvironmentStack, cluster_name, default_tags, props_from
from stacks.database import database_identifier


class AddonsStack(EnvironmentStack):
    """The cluster add-ons, each with its own IRSA role trusting only its service account."""

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, id, config=config)
        addons = config.addons
        settings = addons.external_secrets
        name = cluster_name(config)

        cluster = DataAwsEksCluster(self, "cluster", name=name)
        issuer = cluster.identity.get(0).oidc.get(0).issuer
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
                oidc_issuer_url=issuer,
                readable_secret_arns=(
                    f"arn:{partition.partition}:secretsmanager:{config.aws.region}:"
                    f"{account.account_id}:secret:{secrets_prefix(config)}*",
                ),
                region=config.aws.region,
                store_namespaces=tuple(
                    sorted({secret.namespace for secret in platform_secrets(config)})
                ),
                **(
                    {
                        "rds_instance_arns": (
                            f"arn:{partition.partition}:rds:{config.aws.region}:"
                            f"{account.account_id}:db:{database_identifier(config)}",
                        ),
                        "rds_secret_arn_pattern": (
                            f"arn:{partition.partition}:secretsmanager:{config.aws.region}:"
                            f"{account.account_id}:secret:rds!db-*"
                        ),
                    }
                    if config.database.kind == "rds"
                    else {}
                ),
            )
        )
        external_secrets.deploy(self)

        outputs = {}
        if addons.load_balancer_controller.enabled:
            controller = LoadBalancerControllerAddon(
                props=props_from(
                    addons.load_balancer_controller,
                    LoadBalancerControllerAddonProps,
                    version=config.charts.aws_load_balancer_controller,
                    cluster_name=name,
                    role_name=f"{config.name_prefix}-aws-load-balancer-controller",
                    oidc_issuer_url=issuer,
                    partition=partition.partition,
                    region=config.aws.region,
                    vpc_id=cluster.vpc_config.get(0).vpc_id,
                    tags=default_tags(config),
                )
            )
            controller.deploy(self)
            outputs["load_balancer_controller_role_arn"] = (
                controller.role.role_arn,
                "IAM role of the AWS Load Balancer Controller.",
            )

        if addons.metrics_server.enabled:
            MetricsServerAddon(
                props=props_from(
                    addons.metrics_server,
                    MetricsServerAddonProps,
                    version=config.charts.metrics_server,
                )
            ).deploy(self)

        if addons.cluster_autoscaler.enabled:
            autoscaler = ClusterAutoscalerAddon(
                props=props_from(
                    addons.cluster_autoscaler,
                    ClusterAutoscalerAddonProps,
                    version=config.charts.cluster_autoscaler,
                    kubernetes_version=config.cluster.version,
                    cluster_name=name,
                    region=config.aws.region,
                    account_id=account.account_id,
                    partition=partition.partition,
                    role_name=f"{config.name_prefix}-cluster-autoscaler",
                    oidc_issuer_url=issuer,
                )
            )
            autoscaler.deploy(self)
            outputs["cluster_autoscaler_role_arn"] = (
                autoscaler.role.role_arn,
                "IAM role of Cluster Autoscaler (scales this cluster's node groups only).",
            )

        if config.dns.zone_name is not None:
            zone = DataAwsRoute53Zone(self, "zone", name=config.dns.zone_name, private_zone=False)
            external_dns = ExternalDnsAddon(
                props=props_from(
                    addons.external_dns,
                    ExternalDnsAddonProps,
                    version=config.charts.external_dns,
                    zone_name=config.dns.zone_name,
                    zone_id=zone.zone_id,
                    owner_id=name,
                    role_name=f"{config.name_prefix}-external-dns",
                    oidc_issuer_url=issuer,
                    partition=partition.partition,
                    region=config.aws.region,
                )
            )
            external_dns.deploy(self)
            outputs["external_dns_role_arn"] = (
                external_dns.role.role_arn,
                f"IAM role of external-dns (records in {config.dns.zone_name} only).",
            )

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
                **outputs,
            }
        )
