"""cluster: EKS in the network stack's private subnets."""

from __future__ import annotations

from constructs import Construct

from infra_config import EnvironmentConfig
from infra_constructs.eks import KubernetesCluster, KubernetesClusterProps, NodeGroupProps
from infra_constructs.network import Network
from stacks.base import EnvironmentStack, cluster_name, props_from


class ClusterStack(EnvironmentStack):
    """EKS with node groups, IRSA and add-ons. The platform stack finds it by name."""

    def __init__(
        self, scope: Construct, id: str, *, config: EnvironmentConfig, network: Network
    ) -> None:
        super().__init__(scope, id, config=config)
        props = props_from(
            config.cluster,
            KubernetesClusterProps,
            cluster_name=cluster_name(config),
            private_subnet_ids=network.private_subnet_ids,
            node_groups=tuple(
                props_from(group, NodeGroupProps) for group in config.cluster.node_groups
            ),
        )
        self.cluster = KubernetesCluster(self, "eks", props=props)
        outputs = {
            "cluster_name": (self.cluster.cluster_name, "EKS cluster name."),
            "cluster_endpoint": (self.cluster.cluster_endpoint, "Kubernetes API endpoint."),
            "cluster_certificate_authority_data": (
                self.cluster.cluster_certificate_authority_data,
                "Base64 CA of the API.",
            ),
            "oidc_provider_arn": (self.cluster.oidc_provider_arn, "IAM OIDC provider, for IRSA."),
            "oidc_issuer_url": (self.cluster.oidc_issuer_url, "OIDC issuer URL, for IRSA."),
        }
        self.add_outputs(outputs)
