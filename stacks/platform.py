"""platform: Jenkins, Argo CD and the Argo CD Application of the Django chart, on EKS."""

from __future__ import annotations

from pathlib import Path

from cdktf import Fn, TerraformOutput, Token
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_ecr_repository import DataAwsEcrRepository
from cdktf_cdktf_provider_aws.data_aws_eks_cluster import DataAwsEksCluster
from cdktf_cdktf_provider_aws.data_aws_iam_openid_connect_provider import (
    DataAwsIamOpenidConnectProvider,
)
from cdktf_cdktf_provider_helm.provider import (
    HelmProvider,
    HelmProviderKubernetes,
    HelmProviderKubernetesExec,
)
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider, KubernetesProviderExec
from cdktf_cdktf_provider_kubernetes.storage_class_v1 import (
    StorageClassV1,
    StorageClassV1Metadata,
)
from constructs import Construct

from infra_config import EnvironmentConfig
from infra_constructs.argocd import (
    ARGO_CD_CHART,
    ARGOCD_APPS_CHART,
    ApplicationProps,
    ArgoCdValuesProps,
    argocd_apps_values,
    argocd_values,
)
from infra_constructs.helm_addon import HelmAddon, HelmAddonProps
from infra_constructs.iam import policy_json
from infra_constructs.irsa import IrsaRole, IrsaRoleProps
from infra_constructs.jenkins import (
    AGENT_SERVICE_ACCOUNT,
    JENKINS_CHART,
    JenkinsValuesProps,
    jenkins_values,
)
from stacks.base import EnvironmentStack, cluster_name

AGENT_POD_FILE = Path(__file__).resolve().parent.parent / "jenkins" / "agent-pod.yaml"

ECR_PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)
"""What Kaniko needs to push an image and read and write its layer cache."""


class PlatformStack(EnvironmentStack):
    """Namespaces, the default StorageClass, Jenkins, Argo CD and the Django Application.

    The helm and kubernetes providers are configured from the cluster looked up by name
    (`aws_eks_cluster` data source) and authenticate with `aws eks get-token`, so nothing here
    depends on values unknown at plan time, and no credential lands in state.
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, id, config=config)
        platform = config.platform
        cluster = DataAwsEksCluster(self, "cluster", name=cluster_name(config))
        self._configure_kubernetes_providers(config, cluster)

        namespaces = {
            "jenkins": self._namespace(platform.jenkins.namespace, enforce="baseline"),
            "argocd": self._namespace(platform.argocd.namespace, enforce="baseline"),
            "app": self._namespace(platform.app.namespace, enforce="restricted"),
        }
        storage_class = StorageClassV1(
            self,
            "gp3",
            metadata=StorageClassV1Metadata(
                name=platform.storage_class,
                annotations={"storageclass.kubernetes.io/is-default-class": "true"},
            ),
            storage_provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true"},
            reclaim_policy="Delete",
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
        )

        repository = DataAwsEcrRepository(self, "repository", name=config.registry.repository_name)
        cache_repository = DataAwsEcrRepository(
            self, "cache-repository", name=f"{config.registry.repository_name}/cache"
        )
        agent_role = self._jenkins_agent_role(config, cluster, repository, cache_repository)
        account = DataAwsCallerIdentity(self, "account")

        HelmAddon(
            self,
            "jenkins",
            props=HelmAddonProps(
                chart=JENKINS_CHART,
                version=config.charts.jenkins,
                namespace=platform.jenkins.namespace,
                values=jenkins_values(
                    JenkinsValuesProps(
                        agent_role_arn=agent_role.role_arn,
                        ecr_registry=f"{account.account_id}.dkr.ecr.{config.aws.region}.amazonaws.com",
                        ecr_repository=config.registry.repository_name,
                        ecr_cache_repository=f"{config.registry.repository_name}/cache",
                        repo_url=config.gitops.repo_url,
                        branch=config.gitops.branch,
                        jenkinsfile_path=config.gitops.jenkinsfile_path,
                        job_name=platform.jenkins.job_name,
                        admin_secret=platform.jenkins.admin_secret,
                        git_credentials_secret=platform.jenkins.git_credentials_secret,
                        bot_name=config.gitops.bot_name,
                        bot_email=config.gitops.bot_email,
                        plugins=tuple(platform.jenkins.plugins),
                        storage_class=platform.storage_class,
                        storage_size_gib=platform.jenkins.storage_size_gib,
                        agent_pod_yaml=AGENT_POD_FILE.read_text(),
                    )
                ),
                depends_on=(namespaces["jenkins"], storage_class),
            ),
        )
        argocd = HelmAddon(
            self,
            "argocd",
            props=HelmAddonProps(
                chart=ARGO_CD_CHART,
                version=config.charts.argo_cd,
                release_name="argocd",
                namespace=platform.argocd.namespace,
                values=argocd_values(
                    ArgoCdValuesProps(
                        exposure=platform.argocd.exposure,
                        ingress_host=platform.argocd.ingress_host,
                        ingress_class_name=platform.argocd.ingress_class_name,
                        admin_enabled=platform.argocd.admin_enabled,
                    )
                ),
                depends_on=(namespaces["argocd"],),
            ),
        )
        HelmAddon(
            self,
            "django-application",
            props=HelmAddonProps(
                chart=ARGOCD_APPS_CHART,
                version=config.charts.argocd_apps,
                release_name=f"{platform.app.name}-application",
                namespace=platform.argocd.namespace,
                values=argocd_apps_values(
                    ApplicationProps(
                        name=platform.app.name,
                        argocd_namespace=platform.argocd.namespace,
                        repo_url=config.gitops.repo_url,
                        target_revision=config.gitops.branch,
                        chart_path=config.gitops.chart_path,
                        environment=config.environment,
                        destination_namespace=platform.app.namespace,
                        image_repository=repository.repository_url,
                    )
                ),
                depends_on=(argocd.release, namespaces["app"]),
            ),
        )

        TerraformOutput(
            self,
            "jenkins_agent_role_arn",
            value=agent_role.role_arn,
            description="IAM role of the Jenkins build pods (push to ECR).",
        )
        TerraformOutput(
            self,
            "jenkins_namespace",
            value=platform.jenkins.namespace,
            description="kubectl -n <this> port-forward svc/jenkins 8080:8080",
        )
        TerraformOutput(
            self,
            "argocd_namespace",
            value=platform.argocd.namespace,
            description="kubectl -n <this> port-forward svc/argocd-server 8443:443",
        )

    def _configure_kubernetes_providers(
        self, config: EnvironmentConfig, cluster: DataAwsEksCluster
    ) -> None:
        """helm and kubernetes providers for the cluster, authenticated by `aws eks get-token`."""
        host = cluster.endpoint
        ca_certificate = Token.as_string(Fn.base64decode(cluster.certificate_authority.get(0).data))
        command, api_version = "aws", "client.authentication.k8s.io/v1beta1"
        args = ["eks", "get-token", "--cluster-name", cluster.name, "--region", config.aws.region]
        KubernetesProvider(
            self,
            "kubernetes",
            host=host,
            cluster_ca_certificate=ca_certificate,
            exec=[KubernetesProviderExec(api_version=api_version, command=command, args=args)],
        )
        HelmProvider(
            self,
            "helm",
            kubernetes=HelmProviderKubernetes(
                host=host,
                cluster_ca_certificate=ca_certificate,
                exec=HelmProviderKubernetesExec(
                    api_version=api_version, command=command, args=args
                ),
            ),
        )

    def _namespace(self, name: str, *, enforce: str) -> NamespaceV1:
        """A namespace whose Pod Security admission enforces `enforce` and warns on and audits
        anything below `restricted`."""
        return NamespaceV1(
            self,
            f"namespace-{name}",
            metadata=NamespaceV1Metadata(
                name=name,
                labels={
                    "pod-security.kubernetes.io/enforce": enforce,
                    "pod-security.kubernetes.io/warn": "restricted",
                    "pod-security.kubernetes.io/audit": "restricted",
                },
            ),
        )

    def _jenkins_agent_role(
        self,
        config: EnvironmentConfig,
        cluster: DataAwsEksCluster,
        *repositories: DataAwsEcrRepository,
    ) -> IrsaRole:
        """IRSA role of the build pods: push to this project's image and cache repositories only
        (`ecr:GetAuthorizationToken` cannot be scoped to a repository)."""
        issuer = cluster.identity.get(0).oidc.get(0).issuer
        provider = DataAwsIamOpenidConnectProvider(self, "oidc-provider", url=issuer)
        return IrsaRole(
            self,
            "jenkins-agent-role",
            props=IrsaRoleProps(
                role_name=f"{config.name_prefix}-jenkins-agent",
                oidc_provider_arn=provider.arn,
                oidc_issuer_url=issuer,
                namespace=config.platform.jenkins.namespace,
                service_account=AGENT_SERVICE_ACCOUNT,
                inline_policy=policy_json(
                    [
                        {
                            "Sid": "EcrLogin",
                            "Effect": "Allow",
                            "Action": "ecr:GetAuthorizationToken",
                            "Resource": "*",
                        },
                        {
                            "Sid": "PushToProjectRepositories",
                            "Effect": "Allow",
                            "Action": list(ECR_PUSH_ACTIONS),
                            "Resource": [repository.arn for repository in repositories],
                        },
                    ]
                ),
            ),
        )
