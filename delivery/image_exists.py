"""Tell the pipeline whether the image of this commit is already in the registry, so that a
second build of the same commit ("Build Now" after a failed bump) skips the image build instead
of failing at the push: the repository's tags are IMMUTABLE.

    python -m delivery.image_exists --repository djeks/django-app --tag 0123abcd4567

It asks ECR (`BatchGetImage`, which the build pod's role already has for its pushes) in the
region of the AWS environment (the build pod's IRSA sets AWS_REGION).

Exit status 0: the tag exists; 1: it does not; 2: the registry could not be asked (one line).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import boto3
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from delivery.cli import OneLineParser

EXIT_PRESENT, EXIT_ABSENT, EXIT_ERROR = 0, 1, 2


MANIFEST_MEDIA_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
)
"""What Kaniko pushes (Docker v2 or OCI), as `BatchGetImage` must be told to accept it."""


class RegistryError(Exception):
    """ECR could not be asked; the message says why."""


def image_exists(client: BaseClient, repository: str, tag: str) -> bool:
    """Whether `repository` holds an image tagged `tag`."""
    try:
        response = client.batch_get_image(
            repositoryName=repository,
            imageIds=[{"imageTag": tag}],
            acceptedMediaTypes=list(MANIFEST_MEDIA_TYPES),
        )
    except (ClientError, BotoCoreError) as error:
        raise RegistryError(f"ECR {repository}: {error}") from None
    if response.get("images"):
        return True
    failures = response.get("failures", [])
    if all(failure.get("failureCode") == "ImageNotFound" for failure in failures):
        return False
    reasons = "; ".join(
        f"{failure.get('failureCode')}: {failure.get('failureReason')}" for failure in failures
    )
    raise RegistryError(f"ECR {repository}:{tag}: {reasons}")


def main(argv: Sequence[str] | None = None, client: BaseClient | None = None) -> int:
    parser = OneLineParser(
        prog="python -m delivery.image_exists", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--repository", required=True, help="ECR repository name")
    parser.add_argument("--tag", required=True, help="image tag (the commit's short SHA)")
    arguments = parser.parse_args(argv)
    try:
        present = image_exists(client or boto3.client("ecr"), arguments.repository, arguments.tag)
    except (RegistryError, BotoCoreError) as error:
        print(f"image_exists: error: {' '.join(str(error).split())}", file=sys.stderr)
        return EXIT_ERROR
    where = f"{arguments.repository}:{arguments.tag}"
    print(f"image_exists: {where} {'is in the registry' if present else 'is not built yet'}")
    return EXIT_PRESENT if present else EXIT_ABSENT


if __name__ == "__main__":
    sys.exit(main())
