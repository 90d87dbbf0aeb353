"""ECR repositories for an application image and its Kaniko layer cache."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.ecr_lifecycle_policy import EcrLifecyclePolicy
from cdktf_cdktf_provider_aws.ecr_repository import (
    EcrRepository,
    EcrRepositoryEncryptionConfiguration,
    EcrRepositoryImageScanningConfiguration,
)
from constructs import Construct


def cache_repository_name(repository_name: str) -> str:
    """The Kaniko layer-cache repository of image repository `repository_name`."""
    return f"{repository_name}/cache"


@dataclass(frozen=True)
class ImageRegistryProps:
    """Properties of `ImageRegistry`.

    repository_name: ECR repository of the image (required); the cache repository is
        `<repository_name>/cache`.
    keep_tagged_images: tagged images kept; older ones expire (default 50).
    expire_untagged_days: untagged images expire after this many days (default 7).
    cache_expire_days: cache images expire this many days after they were pushed (default 14);
        Kaniko re-creates a missing layer on the next build.
    """

    repository_name: str
    keep_tagged_images: int = 50
    expire_untagged_days: int = 7
    cache_expire_days: int = 14

    def __post_init__(self) -> None:
        for field in ("keep_tagged_images", "expire_untagged_days", "cache_expire_days"):
            if getattr(self, field) < 1:
                raise ValueError(
                    f"ImageRegistryProps.{field}: {getattr(self, field)} must be at least 1"
                )


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

        self.repository_name: str = image.name
        self.repository_url: str = image.repository_url
        self.repository_arn: str = image.arn
        self.cache_repository_url: str = cache.repository_url
        self.cache_repository_arn: str = cache.arn

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
