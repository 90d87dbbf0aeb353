"""ECR repositories for an application image and its Kaniko layer cache."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_registry_policy import EcrRegistryPolicy
from cdktf_cdktf_provider_aws.ecr_replication_configuration import (
    EcrReplicationConfiguration,
    EcrReplicationConfigurationReplicationConfiguration,
    EcrReplicationConfigurationReplicationConfigurationRule,
    EcrReplicationConfigurationReplicationConfigurationRuleDestination,
    EcrReplicationConfigurationReplicationConfigurationRuleRepositoryFilter,
)
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from constructs import Construct

from delivery.deployed import kept_tag_pattern
from infra_constructs import rules
from infra_constructs.iam import policy_json


def cache_repository_name(repository_name: str) -> str:
    """The Kaniko layer-cache repository of image repository `repository_name`."""
    return f"{repository_name}/cache"


@dataclass(frozen=True)
class RegistryDestination:
    """A registry images are replicated to: `region`, in account `account_id` (None: this
    account, in another region)."""

    region: str
    account_id: str | None = None


@dataclass(frozen=True)
class KeptImages:
    """The images promoted to `environment` (tagged `<environment>-<tag>`) live in a registry:
    its newest `count` are kept, whatever is pushed after them."""

    environment: str
    count: int


@dataclass(frozen=True)
class ImageRegistryProps:
    """Properties of `ImageRegistry`.

    repository_name: ECR repository of the image (required); the cache repository is
        `<repository_name>/cache`.
    keep_tagged_images: tagged images kept; older ones expire (default 50).
    expire_untagged_days: untagged images expire after this many days (default 7).
    cache_expire_days: cache images expire this many days after they were pushed (default 14);
        Kaniko re-creates a missing layer on the next build.
    replicate_to: registries that receive every image pushed here, both repositories (ECR
        filters by name prefix, and the cache's name starts with the image's): the
        environments promoted from this one, in another account or region (default none).
        This registry's one replication configuration; ECR replicates only what is pushed
        after it exists.
    replication_source_account: the account whose registry replicates into this one: this
        registry's policy lets it create and replicate into the two repositories, nothing else
        (default none: no registry policy).
    kept: the environments whose promoted images live in this registry: the images promotion
        tags `<environment>-<tag>` (`delivery.deployed.kept_tag`) get a rule of their own before
        the general one, keeping that environment's newest `count`, so builds pushed after a
        release never expire it (default none).
    """

    repository_name: str
    keep_tagged_images: int = 50
    expire_untagged_days: int = 7
    cache_expire_days: int = 14
    replicate_to: tuple[RegistryDestination, ...] = ()
    replication_source_account: str | None = None
    kept: tuple[KeptImages, ...] = ()

    def __post_init__(self) -> None:
        for field in ("keep_tagged_images", "expire_untagged_days", "cache_expire_days"):
            if getattr(self, field) < 1:
                raise ValueError(
                    f"ImageRegistryProps.{field}: {getattr(self, field)} must be at least 1"
                )
        for account in (self.replication_source_account,) + tuple(
            destination.account_id for destination in self.replicate_to
        ):
            if account is not None:
                try:
                    rules.aws_account_id(account)
                except ValueError as error:
                    raise ValueError(f"ImageRegistryProps: account {account!r}: {error}") from None
        if len(set(self.replicate_to)) != len(self.replicate_to):
            raise ValueError("ImageRegistryProps.replicate_to: a destination is listed twice")


class ImageRegistry(Construct):
    """The image repository and its layer-cache repository.

    Both: IMMUTABLE tags (a tag names one image forever, which is what GitOps pins), scan on
    push, KMS encryption with the AWS-managed `aws/ecr` key (no key to administer; a
    customer-managed key only adds cost here, since access is governed by IAM). The image
    repository keeps the newest tagged images and expires untagged ones; the cache repository
    expires everything after `cache_expire_days`.

    Attributes: `repository_url`, `repository_arn`, `repository_name`, `cache_repository_url`,
    `cache_repository_arn`.
    """

    def __init__(self, scope: Construct, id: str, *, props: ImageRegistryProps) -> None:
        super().__init__(scope, id)
        image = self._repository("repository", props.repository_name)
        self._lifecycle(
            "repository-lifecycle",
            image,
            [
                _expire(
                    f"expire untagged images after {props.expire_untagged_days} days",
                    tagStatus="untagged",
                    countType="sinceImagePushed",
                    countUnit="days",
                    countNumber=props.expire_untagged_days,
                ),
                *(
                    _expire(
                        f"keep the newest {images.count} images promoted to {images.environment}",
                        tagStatus="tagged",
                        tagPatternList=[kept_tag_pattern(images.environment)],
                        countType="imageCountMoreThan",
                        countNumber=images.count,
                    )
                    for images in props.kept
                ),
                _expire(
                    f"keep the newest {props.keep_tagged_images} tagged images",
                    tagStatus="tagged",
                    tagPatternList=["*"],
                    countType="imageCountMoreThan",
                    countNumber=props.keep_tagged_images,
                ),
            ],
        )
        cache = self._repository("cache-repository", cache_repository_name(props.repository_name))
        self._lifecycle(
            "cache-repository-lifecycle",
            cache,
            [
                _expire(
                    f"expire cache layers after {props.cache_expire_days} days",
                    tagStatus="any",
                    countType="sinceImagePushed",
                    countUnit="days",
                    countNumber=props.cache_expire_days,
                ),
            ],
        )

        if props.replicate_to:
            self._replication(props)
        if props.replication_source_account is not None:
            arns = [image.arn, cache.arn]
            EcrRegistryPolicy(
                self,
                "replication-policy",
                policy=policy_json(
                    [
                        {
                            "Sid": "ReplicationFromSourceAccount",
                            "Effect": "Allow",
                            "Principal": {
                                "AWS": f"arn:aws:iam::{props.replication_source_account}:root"
                            },
                            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                            "Resource": arns,
                        }
                    ]
                ),
            )

        self.repository_name: str = image.name
        self.repository_url: str = image.repository_url
        self.repository_arn: str = image.arn
        self.cache_repository_url: str = cache.repository_url
        self.cache_repository_arn: str = cache.arn

    def _replication(self, props: ImageRegistryProps) -> None:
        """One rule: the two repositories (name prefix) to every destination."""
        account = None
        destinations = []
        for destination in props.replicate_to:
            registry_id = destination.account_id
            if registry_id is None:
                account = account or DataAwsCallerIdentity(self, "account")
                registry_id = account.account_id
            destinations.append(
                EcrReplicationConfigurationReplicationConfigurationRuleDestination(
                    region=destination.region, registry_id=registry_id
                )
            )
        EcrReplicationConfiguration(
            self,
            "replication",
            replication_configuration=EcrReplicationConfigurationReplicationConfiguration(
                rule=[
                    EcrReplicationConfigurationReplicationConfigurationRule(
                        destination=destinations,
                        repository_filter=[
                            EcrReplicationConfigurationReplicationConfigurationRuleRepositoryFilter(
                                filter=props.repository_name, filter_type="PREFIX_MATCH"
                            )
                        ],
                    )
                ]
            ),
        )

    def _lifecycle(self, id: str, repository: EcrRepository, rules: list[dict]) -> None:
        """Lifecycle policy of `repository`; rules are numbered in the order given."""
        numbered = [{"rulePriority": priority, **rule} for priority, rule in enumerate(rules, 1)]
        EcrLifecyclePolicy(
            self, id, repository=repository.name, policy=json.dumps({"rules": numbered})
        )

    def _repository(self, id: str, name: str) -> EcrRepository:
        return EcrRepository(
            self,
            id,
            name=name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=EcrRepositoryImageScanningConfiguration(scan_on_push=True),
            encryption_configuration=[EcrRepositoryEncryptionConfiguration(encryption_type="KMS")],
        )


def _expire(description: str, **selection) -> dict:
    """An ECR lifecycle rule that expires the images `selection` picks."""
    return {"description": description, "selection": selection, "action": {"type": "expire"}}
