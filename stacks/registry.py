"""registry: the ECR repositories of the Django image and its build cache."""

from __future__ import annotations

from constructs import Construct

from infra_config import EnvironmentConfig
from infra_constructs.registry import ImageRegistry, ImageRegistryProps
from stacks.base import EnvironmentStack, props_from


class RegistryStack(EnvironmentStack):
    """Image and cache repositories. The platform stack finds them by name."""

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, id, config=config)
        self.registry = ImageRegistry(
            self, "registry", props=props_from(config.registry, ImageRegistryProps)
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
