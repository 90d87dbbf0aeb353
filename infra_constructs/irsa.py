"""IAM role for one Kubernetes service account (IRSA)."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn, Token
from cdktf_cdktf_provider_aws.data_aws_iam_openid_connect_provider import (
    DataAwsIamOpenidConnectProvider,
)
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

from infra_constructs import rules
from infra_constructs.rules import check_fields


@dataclass(frozen=True)
class IrsaRoleProps:
    """Properties of `IrsaRole`.

    role_name: IAM role name (required).
    oidc_provider_arn: ARN of the cluster's IAM OIDC provider (required).
    oidc_issuer_url: the cluster's OIDC issuer URL, `https://oidc.eks...` (required).
    namespace / service_account: the one Kubernetes service account that may assume the role
        (required).
    managed_policy_arns: managed policies attached to the role (default none).
    inline_policy: an IAM policy document (JSON string) put on the role (default none).
    """

    role_name: str
    oidc_provider_arn: str
    oidc_issuer_url: str
    namespace: str
    service_account: str
    managed_policy_arns: tuple[str, ...] = ()
    inline_policy: str | None = None

    def __post_init__(self) -> None:
        check_fields(self, namespace=rules.kubernetes_name, service_account=rules.kubernetes_name)


class IrsaRole(Construct):
    """A role that exactly one service account can assume through the cluster's OIDC provider.

    The trust policy requires both `<issuer>:sub = system:serviceaccount:<namespace>:<name>`
    (StringEquals, no wildcard) and `<issuer>:aud = sts.amazonaws.com`.

    Attributes: `role_arn`, `role_name`.
    """

    def __init__(self, scope: Construct, id: str, *, props: IrsaRoleProps) -> None:
        super().__init__(scope, id)
        # The issuer host (URL without https://) prefixes the condition keys. It is only known
        # at apply time, so the document is built by Terraform (aws_iam_policy_document), not
        # as a JSON string here.
        issuer = Token.as_string(Fn.replace(props.oidc_issuer_url, "https://", ""))
        trust = DataAwsIamPolicyDocument(
            self,
            "trust",
            statement=[
                DataAwsIamPolicyDocumentStatement(
                    effect="Allow",
                    actions=["sts:AssumeRoleWithWebIdentity"],
                    principals=[
                        DataAwsIamPolicyDocumentStatementPrincipals(
                            type="Federated", identifiers=[props.oidc_provider_arn]
                        )
                    ],
                    condition=[
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="StringEquals",
                            variable=f"{issuer}:sub",
                            values=[
                                service_account_subject(props.namespace, props.service_account)
                            ],
                        ),
                        DataAwsIamPolicyDocumentStatementCondition(
                            test="StringEquals",
                            variable=f"{issuer}:aud",
                            values=["sts.amazonaws.com"],
                        ),
                    ],
                ),
            ],
        )
        role = IamRole(self, "role", name=props.role_name, assume_role_policy=trust.json)
        for index, policy_arn in enumerate(props.managed_policy_arns):
            IamRolePolicyAttachment(
                self, f"managed-policy-{index}", role=role.name, policy_arn=policy_arn
            )
        if props.inline_policy is not None:
            IamRolePolicy(
                self, "policy", role=role.id, name=props.role_name, policy=props.inline_policy
            )
        self.role_arn: str = role.arn
        self.role_name: str = role.name


def service_account_subject(namespace: str, service_account: str) -> str:
    """The `sub` claim of a service account token: `system:serviceaccount:<ns>:<name>`."""
    return f"system:serviceaccount:{namespace}:{service_account}"


def service_account_role(
    scope: Construct,
    id: str,
    *,
    role_name: str,
    oidc_issuer_url: str,
    namespace: str,
    service_account: str,
    inline_policy: str,
) -> IrsaRole:
    """The cluster's IAM OIDC provider looked up by its issuer (data source `oidc-provider` in
    `scope`, made by the first add-on that asks, shared by the others), and the `IrsaRole`
    `id` of one service account, trusting that provider: how an add-on gets its AWS
    identity."""
    provider = scope.node.try_find_child("oidc-provider") or DataAwsIamOpenidConnectProvider(
        scope, "oidc-provider", url=oidc_issuer_url
    )
    return IrsaRole(
        scope,
        id,
        props=IrsaRoleProps(
            role_name=role_name,
            oidc_provider_arn=provider.arn,
            oidc_issuer_url=oidc_issuer_url,
            namespace=namespace,
            service_account=service_account,
            inline_policy=inline_policy,
        ),
    )
