"""Validation rules, one home each, shared by the config model and the construct props.

A rule is a function that returns its value unchanged when it is allowed and otherwise raises
`ValueError` saying what is allowed ("use ..."); it never names the field. The caller does:
the config loader prints `<file>: <field>: <value> is not allowed: <rule>`, and props report
`<Props>.<field>: <value> is not allowed: <rule>` through `check_fields`. Rules on lists name
the offending item. Only the standard library here: the config model imports this module
without loading any construct.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Literal

from delivery import names
from delivery.identity import is_author_email, is_author_name

_KUBERNETES_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_CHART_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_SHORT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
_S3_BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_DYNAMODB_TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_ECR_REPOSITORY = names.ECR_REPOSITORY
_AWS_REGION = names.AWS_REGION
_GIT_URL = re.compile(r"^(https://[^\s]+|git@[^\s:]+:[^\s]+|ssh://[^\s]+)$")
_IAM_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
_PINNED_PLUGIN = re.compile(r"^[A-Za-z0-9_.-]+:(?!latest$)[A-Za-z0-9_.-]+$")
_DNS_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"
)

PRODUCTION_ENVIRONMENTS = frozenset({"prod"})
"""Environments held to production rules (no API endpoint open to the whole internet)."""

VPC_PREFIX_LENGTHS = (16, 24)
"""Smallest and largest VPC prefix length AWS allows."""


def _matching(pattern: re.Pattern[str], rule: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(rule)
        return value

    check.__doc__ = rule
    return check


aws_account_id = _matching(
    re.compile(r"^[0-9]{12}$"),
    'use the 12 digits of the AWS account ID, quoted as a string (e.g. "123456789012")',
)

kubernetes_name = _matching(
    _KUBERNETES_NAME,
    "use a Kubernetes name: lowercase letters, digits and '-', at most 63 characters",
)
"""A DNS-1123 label: namespaces, service accounts, Secrets, releases (at most 63 characters)."""

chart_version = _matching(
    _CHART_VERSION, "use an exact chart version such as 1.2.3 (no ranges, no 'latest')"
)
"""An exact Helm chart version: a range would let a plan pick up an unreviewed chart."""

short_name = _matching(_SHORT_NAME, "use 2-32 lowercase letters, digits and hyphens")
"""Node-group names: EKS allows 63 characters, and they follow the cluster's name."""

NAME_PART_LENGTH = 12
_NAME_PART = re.compile(rf"^[a-z][a-z0-9-]{{0,{NAME_PART_LENGTH - 2}}}[a-z0-9]$")
name_part = _matching(
    _NAME_PART,
    f"use 2-{NAME_PART_LENGTH} lowercase letters, digits and hyphens: "
    "<project>-<environment> prefixes IAM role names, which AWS limits to 64 characters",
)
"""Project and environment names: `<project>-<environment>` is at most 25 characters, so
that every name built on it stays within its AWS limit (tests/stacks/test_name_limits.py)."""

LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip
"""The retention periods CloudWatch Logs accepts (PutRetentionPolicy, `retentionInDays`)."""


def log_retention_days(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"CloudWatch Logs keeps logs for one of {', '.join(map(str, LOG_RETENTION_DAYS))} days"
        )
    return value


MAX_TAGS = 40
"""User tags on every resource: AWS allows 50 per resource; the stacks add their own (Name,
kubernetes.io/...), so 40 leaves room."""
_TAG_TEXT = re.compile(r"^[\w .:/=+\-@]*$")


def aws_tags(tags: dict[str, str]) -> dict[str, str]:
    """Tags as AWS takes them on every service: at most `MAX_TAGS`; keys 1-128 characters, not
    starting with aws:; values at most 256; letters, digits, spaces and _ . : / = + - @ only."""
    if len(tags) > MAX_TAGS:
        raise ValueError(f"{len(tags)} tags: at most {MAX_TAGS} (AWS allows 50 per resource)")
    for key, value in tags.items():
        if (
            not 1 <= len(key) <= 128
            or key.lower().startswith("aws:")
            or len(value) > 256
            or not _TAG_TEXT.fullmatch(key)
            or not _TAG_TEXT.fullmatch(value)
        ):
            raise ValueError(
                f"tag {key[:60]!r}: keys have 1-128 characters and do not start with 'aws:'; "
                "values at most 256; both only letters, digits, spaces and _ . : / = + - @"
            )
    return tags


_GIT_BRANCH = re.compile(
    r"^(?!-)(?!.*\.\.)(?!.*//)(?!.*@\{)(?!.*\.lock(/|$))(?!.*/\.)(?!\.)"
    r"[A-Za-z0-9._/-]{1,200}(?<![/.])$"
)
git_branch = _matching(
    _GIT_BRANCH,
    "use a branch name git accepts: letters, digits, '.', '_', '-' and '/', no '..', '//', "
    "'@{', leading '-' or '.', or trailing '/', '.' or '.lock'",
)
_REPO_PATH = re.compile(r"^(?!.*(^|/)\.\.?(/|$))[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
repository_path = _matching(
    _REPO_PATH,
    "use a relative path inside the repository: names of letters, digits, '.', '_' and '-' "
    "separated by '/', no '..'",
)


def email(value: str) -> str:
    """The bot's e-mail, as the tag bump accepts it (`delivery.identity`)."""
    if not is_author_email(value):
        raise ValueError("use an e-mail address such as bot@users.noreply.github.com")
    return value


def person_name(value: str) -> str:
    """The bot's name, as the tag bump accepts it (`delivery.identity`)."""
    if not is_author_name(value):
        raise ValueError("use 1-100 characters without '<', '>' or control characters")
    return value


s3_bucket = _matching(
    _S3_BUCKET,
    "use 3-63 lowercase letters, digits, dots or hyphens, starting and ending with a "
    "letter or digit (S3 bucket naming rules)",
)
dynamodb_table = _matching(
    _DYNAMODB_TABLE, "use 3-255 letters, digits, '_', '-' or '.' (DynamoDB rules)"
)
ecr_repository = _matching(
    _ECR_REPOSITORY, "use lowercase letters, digits and . _ - / (ECR naming rules)"
)
_aws_region_form = _matching(_AWS_REGION, "use an AWS region name such as eu-west-1")


@cache
def eks_regions() -> frozenset[str]:
    """The regions where EKS runs, from the endpoint data of the pinned botocore (every
    partition): the list AWS's own SDK ships, read offline."""
    import botocore.session

    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("eks", partition_name=partition)
    )


def aws_region(value: str) -> str:
    """A region name where EKS runs (`eks_regions`)."""
    _aws_region_form(value)
    if value not in eks_regions():
        import botocore

        raise ValueError(
            f"not a region where EKS runs (botocore {botocore.__version__}'s endpoint data); "
            "use one such as eu-west-1"
        )
    return value


_git_url_form = _matching(_GIT_URL, "use an https:// or ssh Git URL")
_URL_CREDENTIAL = re.compile(r"^(https|ssh)://[^/@\s]*:[^/@\s]*@")


def without_url_credentials(value: Any) -> Any:
    """`value` with the credential of a URL in it (`https://user:token@...`) shown as `***`,
    so that an error message never repeats a token; anything else unchanged."""
    if isinstance(value, str):
        return _URL_CREDENTIAL.sub(lambda found: f"{found.group(1)}://***@", value)
    return value


def git_url(value: str) -> str:
    """An https:// or ssh Git URL without a credential in it: a token written into the URL
    would be copied into the synthesized JSON (Argo CD's source, the Jenkins job)."""
    if _URL_CREDENTIAL.match(value):
        raise ValueError(
            "the URL holds a credential; write the URL without it and keep the token in "
            "Secrets Manager <project>/<environment>/git-credentials (README, Secrets)"
        )
    return _git_url_form(value)


dns_name = _matching(
    _DNS_NAME,
    "use a lower-case DNS name of two or more labels, such as app.example.com "
    "(letters, digits and '-', no trailing dot)",
)
"""Host names and hosted zone names: what Route 53, ACM and an Ingress rule all accept."""


def ipv4_network(value: str, example: str) -> ipaddress.IPv4Network:
    """`value` as an IPv4 network written canonically, `a.b.c.d/n` with host bits zero: AWS
    takes that form only (not a netmask such as /255.255.0.0, not a bare address)."""
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except (ValueError, TypeError):
        raise ValueError(
            f"use an IPv4 network in CIDR form with host bits zero, such as {example}"
        ) from None
    if str(network) != value:
        raise ValueError(f"write it as {network} (prefix-length form, as AWS takes it)")
    return network


_NOT_FOR_A_VPC = {
    "loopback": lambda network: network.is_loopback,
    "link-local": lambda network: network.is_link_local,
    "multicast": lambda network: network.is_multicast,
    "reserved": lambda network: network.is_reserved,
    "'this network' (0.0.0.0/8)": lambda network: network.subnet_of(
        ipaddress.IPv4Network("0.0.0.0/8")
    ),
}
"""Address ranges AWS refuses for a VPC (RFC 6890 special purposes)."""


def vpc_cidr(value: str) -> str:
    """An IPv4 network, written canonically, with a prefix length a VPC may have, outside the
    ranges AWS refuses for a VPC."""
    network = ipv4_network(value, "10.10.0.0/16")
    low, high = VPC_PREFIX_LENGTHS
    if not low <= network.prefixlen <= high:
        raise ValueError(f"use a prefix length between /{low} and /{high} (AWS VPC limits)")
    for kind, applies in _NOT_FOR_A_VPC.items():
        if applies(network):
            raise ValueError(f"a {kind} range cannot be a VPC; use 10.0.0.0/8 space")
    return value


PRODUCTION_MAX_ADDRESSES = 2**24
"""The most addresses production's source ranges may cover together (a /8): a list of ranges
that adds up to the internet (0.0.0.0/1 and 128.0.0.0/1) is as open as 0.0.0.0/0."""


def _covered(networks: Sequence[ipaddress.IPv4Network]) -> int:
    return sum(network.num_addresses for network in ipaddress.collapse_addresses(networks))


def endpoint_cidrs(values: Sequence[str], *, environment: str | None = None) -> Sequence[str]:
    """CIDRs allowed to reach a public API endpoint: IPv4 networks; `0.0.0.0/0` alone or not
    at all, and never in a production `environment` (`PRODUCTION_ENVIRONMENTS`)."""
    networks = [_source_network(value) for value in values]
    no_duplicates(values, "CIDRs")
    for value, network in zip(values, networks, strict=True):
        if network.prefixlen == 0 and environment in PRODUCTION_ENVIRONMENTS:
            raise ValueError(
                f"{value!r} opens the {environment} API endpoint to the whole internet; list "
                "your egress ranges, or [] for a private endpoint"
            )
        if network.prefixlen == 0 and len(values) > 1:
            raise ValueError(
                f"{value!r} makes the other CIDRs meaningless; list only the ranges you mean"
            )
    _production_bound(networks, environment, "API endpoint")
    return values


def _source_network(value: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except (ValueError, TypeError):
        raise ValueError(f"{value!r} is not an IPv4 CIDR such as 203.0.113.0/24") from None
    if str(network) != value:
        raise ValueError(f"{value!r}: write it as {network} (prefix-length form, as AWS takes it)")
    return network


def _production_bound(
    networks: Sequence[ipaddress.IPv4Network], environment: str | None, what: str
) -> None:
    covered = _covered(networks)
    if environment in PRODUCTION_ENVIRONMENTS and covered > PRODUCTION_MAX_ADDRESSES:
        raise ValueError(
            f"together these ranges cover {covered} addresses, more than a /8: that opens the "
            f"{environment} {what} to much of the internet; list your egress ranges"
        )


GITHUB_HOOK_CIDRS = ("192.30.252.0/22", "185.199.108.0/22", "140.82.112.0/20", "143.55.64.0/20")
"""The IPv4 ranges GitHub delivers webhooks from: the `hooks` list of https://api.github.com/meta
as last checked by hand (no network here): `curl -s https://api.github.com/meta | jq .hooks`
shows the current list, which GitHub announces changes to. Its IPv6 ranges are left out: the
ALBs are IPv4 only."""

_ACM_CERTIFICATE_ARN = re.compile(
    r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$"
)

acm_certificate_arn = _matching(
    _ACM_CERTIFICATE_ARN,
    "use an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/<uuid>",
)


def source_cidrs(values: Sequence[str], *, environment: str | None = None) -> Sequence[str]:
    """CIDRs allowed to reach the operators' UIs (Jenkins, Argo CD) through their load
    balancer: IPv4 networks in canonical form, never the whole internet in a production
    `environment`, at most 20 (one security group rule each, within the default quota of 60)."""
    if len(values) > 20:
        raise ValueError(f"{len(values)} CIDRs: list at most 20 (one security group rule each)")
    networks = [_source_network(value) for value in values]
    no_duplicates(values, "CIDRs")
    for value, network in zip(values, networks, strict=True):
        if network.prefixlen == 0 and environment in PRODUCTION_ENVIRONMENTS:
            raise ValueError(
                f"{value!r} opens the {environment} Jenkins and Argo CD UIs to the whole "
                "internet; list your office or VPN egress ranges"
            )
    _production_bound(networks, environment, "Jenkins and Argo CD UIs")
    return values


def no_duplicates(values: Sequence[str], what: str) -> None:
    """Each of `values` once: each becomes its own resource (a construct id, an AWS object that
    exists once), and a second one fails at apply time."""
    seen: set[str] = set()
    twice = sorted({value for value in values if value in seen or seen.add(value)})
    if twice:
        raise ValueError(f"{what} {twice} listed twice; list each once")


def iam_principal_arns(values: Sequence[str]) -> Sequence[str]:
    """IAM role or user ARNs (access entries take principals, not account roots), each once."""
    no_duplicates(values, "principals")
    for value in values:
        if not _IAM_PRINCIPAL_ARN.fullmatch(value):
            raise ValueError(
                f"{value!r} is not an IAM role or user ARN such as "
                "arn:aws:iam::123456789012:role/platform-admin"
            )
    return values


def pinned_plugins(values: Sequence[str]) -> Sequence[str]:
    """Jenkins plugins as `name:version`, never `latest`, each plugin once."""
    for value in values:
        if not _PINNED_PLUGIN.fullmatch(value):
            raise ValueError(f"{value!r} is not pinned: write plugin-name:version")
    no_duplicates([value.split(":")[0] for value in values], "plugins")
    return values


def cluster_administrators(deployer_admin: bool, admin_principal_arns: Sequence[str]) -> None:
    """Somebody can administer the cluster: the deployer, or at least one listed principal."""
    if not deployer_admin and not admin_principal_arns:
        raise ValueError(
            "nobody could administer the cluster: set cluster.deployer_admin: true, or list "
            "your admin roles in cluster.admin_principal_arns"
        )


def node_group_sizes(min_size: int, desired_size: int, max_size: int) -> None:
    """`1 <= min_size <= desired_size <= max_size`."""
    if not 1 <= min_size <= desired_size <= max_size:
        raise ValueError(
            f"sizes must satisfy 1 <= min_size <= desired_size <= max_size, got {min_size} "
            f"<= {desired_size} <= {max_size}"
        )


class Bounds:
    """Inclusive bounds of a number: the config model's `Field(ge=..., le=...)` and the props'
    check (`rule`) read the same pair."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def rule(self, value: float) -> float:
        if not self.low <= value <= self.high:
            raise ValueError(f"use a number from {self.low} to {self.high}")
        return value


LOAD_BALANCER_CONTROLLER_REPLICAS = Bounds(1, 5)
"""Controller pods: one leads, the others stand by and serve its webhooks."""
SCALE_DOWN_UNNEEDED_MINUTES = Bounds(1, 1440)
"""Minutes a node stays underused before Cluster Autoscaler removes it."""
SCALE_DOWN_UTILIZATION_THRESHOLD = Bounds(0.1, 0.9)
"""Share of a node's CPU and memory requested, below which it is underused."""

AutoscalerExpander = Literal["least-waste", "random", "most-pods", "priority"]
"""How Cluster Autoscaler picks the node group to grow (its `--expander` values, without
`price` and `grpc`, which need what this project does not run)."""
DnsRecordPolicy = Literal["upsert-only", "sync"]
"""external-dns `--policy`: never delete records, or delete those no Ingress asks for."""


POSTGRES_MAJOR_VERSIONS = ("16", "17")
"""RDS for PostgreSQL major versions this project is tested with."""
_RDS_INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
_DAY_TIME = r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d"
_RDS_MAINTENANCE_WINDOW = re.compile(rf"^{_DAY_TIME}-{_DAY_TIME}$")
_RDS_BACKUP_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
_POSTGRES_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
POSTGRES_RESERVED_NAMES = frozenset(
    {"postgres", "rdsadmin", "admin", "root", "template0", "template1"}
)
"""Names RDS keeps for itself or refuses as the master user or database."""
RDS_STORAGE_GIB = Bounds(20, 65536)
"""gp3 storage of an RDS for PostgreSQL instance."""
BACKUP_RETENTION_DAYS = Bounds(1, 35)
"""Automated backups: at least a day (0 would turn them off), at most what RDS keeps."""


def postgres_major_version(value: str) -> str:
    if value not in POSTGRES_MAJOR_VERSIONS:
        raise ValueError(
            f"use one of the PostgreSQL major versions {', '.join(POSTGRES_MAJOR_VERSIONS)} "
            '(quoted in YAML: "17")'
        )
    return value


rds_instance_class = _matching(
    _RDS_INSTANCE_CLASS, "use an RDS instance class such as db.t4g.small or db.m7g.large"
)
rds_maintenance_window = _matching(
    _RDS_MAINTENANCE_WINDOW, "use ddd:hh:mm-ddd:hh:mm in UTC, such as sun:03:00-sun:04:00"
)
rds_backup_window = _matching(_RDS_BACKUP_WINDOW, "use hh:mm-hh:mm in UTC, such as 01:00-02:00")


def postgres_identifier(value: str) -> str:
    """A database or user name RDS accepts: starts with a letter, then letters, digits or
    '_', at most 63, not one of the names RDS keeps."""
    if not _POSTGRES_IDENTIFIER.fullmatch(value) or value in POSTGRES_RESERVED_NAMES:
        raise ValueError(
            "use a lower-case letter, then letters, digits or '_' (at most 63), not one of "
            + ", ".join(sorted(POSTGRES_RESERVED_NAMES))
        )
    return value


def performance_insights_retention(value: int) -> int:
    """Days Performance Insights keeps: 7 (free tier), or whole months of 31 days up to 731."""
    if not (value == 7 or value == 731 or (value % 31 == 0 and 31 <= value <= 713)):
        raise ValueError("use 7, 731 or a multiple of 31 up to 713 (whole months)")
    return value


def rds_storage(allocated: int, maximum: int) -> None:
    """`allocated` within `RDS_STORAGE_GIB`, and storage autoscaling up to `maximum`, which
    RDS requires to exceed it by at least 10 %."""
    RDS_STORAGE_GIB.rule(allocated)
    RDS_STORAGE_GIB.rule(maximum)
    if maximum < allocated * 1.1:
        raise ValueError(
            f"max_allocated_storage_gib {maximum} must be at least 10 % above "
            f"allocated_storage_gib {allocated} (RDS storage autoscaling)"
        )


def check_fields(props: Any, **rules: Callable[[Any], Any]) -> None:
    """Apply `rules` ({field: rule}) to a props object; the first refusal is raised as
    `<Props>.<field>: <value> is not allowed: <what is allowed>`."""
    for field, rule in rules.items():
        value = getattr(props, field)
        try:
            rule(value)
        except ValueError as refused:
            raise ValueError(
                f"{type(props).__name__}.{field}: {value!r} is not allowed: {refused}"
            ) from None
