"""The helm and kubernetes providers of a stack that deploys onto an EKS cluster."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, Token
from cdktf_cdktf_provider_aws.data_aws_eks_cluster import DataAwsEksCluster
from cdktf_cdktf_provider_helm.provider import (
    HelmProvider,
    HelmProviderKubernetes,
    HelmProviderKubernetesExec,
)
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider, KubernetesProviderExec
from constructs import Construct

EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"


@dataclass(frozen=True)
class KubernetesProvidersProps:
    """Properties of `KubernetesProviders`.

    cluster: the cluster, looked up by name (`aws_eks_cluster` data source), so nothing depends
        on values unknown at plan time (required).
    region: AWS region of the cluster, passed to `aws eks get-token` (required).
    """

    cluster: DataAwsEksCluster
    region: str


class KubernetesProviders:
    """helm and kubernetes providers (ids `helm`, `kubernetes`) for the cluster, authenticated
    by `aws eks get-token` at each run: no token or kubeconfig lands in state. Needs the AWS
    CLI v2 where Terraform runs."""

    def __init__(self, *, props: KubernetesProvidersProps) -> None:
        self.props = props

    def deploy(self, scope: Construct) -> None:
        cluster = self.props.cluster
        host = cluster.endpoint
        ca_certificate = Token.as_string(Fn.base64decode(cluster.certificate_authority.get(0).data))
        command = "aws"
        args = ["eks", "get-token", "--cluster-name", cluster.name, "--region", self.props.region]
        KubernetesProvider(
            scope,
            "kubernetes",
            host=host,
            cluster_ca_certificate=ca_certificate,
            exec=[KubernetesProviderExec(api_version=EXEC_API_VERSION, command=command, args=args)],
        )
        HelmProvider(
            scope,
            "helm",
            kubernetes=HelmProviderKubernetes(
                host=host,
                cluster_ca_certificate=ca_certificate,
                exec=HelmProviderKubernetesExec(
                    api_version=EXEC_API_VERSION, command=command, args=args
                ),
            ),
        )
