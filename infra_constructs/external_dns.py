"""The external-dns add-on: it writes the Route 53 records of the host names that Ingresses (and
LoadBalancer Services) ask for, pointing at their load balancers. Pinned chart in its own
namespace, its IRSA identity, values as data.

It may change records in exactly one public hosted zone, and only records it owns: each record
it writes has a TXT record naming this cluster (`txtOwnerId`), so two clusters sharing a zone
(dev and prod) never touch each other's records.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from infra_constructs import rules
from infra_constructs.addon import release_in_own_namespace
from infra_constructs.helm_addon import HelmAddon, HelmAddonProps, HelmChart
from infra_constructs.iam import policy_json
from infra_constructs.irsa import IrsaRole, service_account_role
from infra_constructs.rules import check_fields

EXTERNAL_DNS_CHART = HelmChart(
    name="external-dns", repository="https://kubernetes-sigs.github.io/external-dns/"
)
EXTERNAL_DNS_SERVICE_ACCOUNT = "external-dns"
"""The add-on's service account, the only one its IAM role trusts."""


def external_dns_statements(*, partition: str, zone_id: str) -> list[dict]:
    """The IAM policy (kubernetes-sigs/external-dns `docs/tutorials/aws.md`), narrowed to one
    zone: record changes and reads on `zone_id` only; `ListHostedZones`, which takes no
    resource ARN, on `*`."""
    zone_arn = f"arn:{partition}:route53:::hostedzone/{zone_id}"
    return [
        {
            "Sid": "ChangeRecordsInTheZone",
            "Effect": "Allow",
            "Action": [
                "route53:ChangeResourceRecordSets",
                "route53:ListResourceRecordSets",
                "route53:ListTagsForResources",
            ],
            "Resource": zone_arn,
        },
        {
            "Sid": "FindTheZone",
            "Effect": "Allow",
            "Action": ["route53:ListHostedZones"],
            "Resource": "*",
        },
    ]


@dataclass(frozen=True)
class ExternalDnsAddonProps:
    """Properties of `ExternalDnsAddon`.

    version: exact `external-dns` chart version (required).
    zone_name: the public Route 53 hosted zone whose records it writes, e.g. `example.com`
        (required; only host names in it are considered).
    zone_id: that zone's id (required; the policy names it).
    owner_id: the owner written into its TXT records, the cluster's name (required).
    role_name: its IAM role (required).
    oidc_issuer_url: the cluster's OIDC issuer, whose IAM provider the role trusts (required).
    partition / region: the account's partition and region (required).
    policy: `upsert-only` (default: creates and updates records, never deletes one) or `sync`
        (also deletes the records of removed Ingresses).
    namespace: where it runs (default `external-dns`, created with Pod Security `restricted`;
        the chart's pod runs as non-root, read-only, with no capabilities).
    """

    version: str
    zone_name: str
    zone_id: str
    owner_id: str
    role_name: str
    oidc_issuer_url: str
    partition: str
    region: str
    policy: rules.DnsRecordPolicy = "upsert-only"
    namespace: str = "external-dns"

    def __post_init__(self) -> None:
        check_fields(
            self,
            version=rules.chart_version,
            namespace=rules.kubernetes_name,
            zone_name=rules.dns_name,
        )


class ExternalDnsAddon:
    """Its IRSA role (trusting exactly `EXTERNAL_DNS_SERVICE_ACCOUNT` in the namespace) with
    `external_dns_statements`, its namespace, then the pinned chart watching Ingresses and
    Services. After `deploy`: `role`, `release`."""

    def __init__(self, *, props: ExternalDnsAddonProps) -> None:
        self.props = props

    def deploy(self, scope: Construct) -> HelmAddon:
        props = self.props
        self.role: IrsaRole = service_account_role(
            scope,
            "external-dns-role",
            role_name=props.role_name,
            oidc_issuer_url=props.oidc_issuer_url,
            namespace=props.namespace,
            service_account=EXTERNAL_DNS_SERVICE_ACCOUNT,
            inline_policy=policy_json(
                external_dns_statements(partition=props.partition, zone_id=props.zone_id)
            ),
        )
        self.release = release_in_own_namespace(
            scope,
            "external-dns",
            enforce="restricted",
            props=HelmAddonProps(
                chart=EXTERNAL_DNS_CHART,
                version=props.version,
                namespace=props.namespace,
                values={
                    "provider": {"name": "aws"},
                    "sources": ["service", "ingress"],
                    "domainFilters": [props.zone_name],
                    "policy": props.policy,
                    "registry": "txt",
                    "txtOwnerId": props.owner_id,
                    "serviceAccount": {
                        "create": True,
                        "name": EXTERNAL_DNS_SERVICE_ACCOUNT,
                        "annotations": {"eks.amazonaws.com/role-arn": self.role.role_arn},
                    },
                    "env": [{"name": "AWS_DEFAULT_REGION", "value": props.region}],
                    "extraArgs": ["--aws-zone-type=public", f"--zone-id-filter={props.zone_id}"],
                    "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}},
                },
                timeout_seconds=300,
            ),
        )
        return self.release
