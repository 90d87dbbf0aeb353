"""registry: the ECR repositories of the Django image and its build cache."""

from __future__ import annotations

from constructs import Construct

from infra_config import EnvironmentConfig
from infra_constructs.registry import ImageRegistry, ImageRegistryProps
from stacks.base import EnvironmentStack


class RegistryStack(EnvironmentStack):
    """Image and cache repositories. The platform stack finds them by name."""

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, id, config=config)
        settings = config.registry
        self.registry = ImageRegistry(
            self,
            "registry",
            props=ImageRegistryProps(
                repository_name=settings.repository_name,
                keep_tagged_images=settings.keep_tagged_images,
                expire_untagged_days=settings.expire_untagged_days,
                cache_expire_days=settings.cache_expire_days,
            ),
        )
        self.add_outputs(
            {
                "repository_url": (
                    self.registry.repository_url,
                    "Where Jenkins pushes the Django image.",
                ),
                "repository_arn": (
                    self.registry.repository_arn,
                    "ARN of the image repository, for push policies.",
                ),
                "cache_repository_url": (
                    self.registry.cache_repository_url,
                    "Kaniko layer cache (--cache-repo).",
                ),
                "cache_repository_arn": (
                    self.registry.cache_repository_arn,
                    "ARN of the cache repository, for push policies.",
                ),
            }
        )
