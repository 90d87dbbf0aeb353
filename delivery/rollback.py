"""Roll an environment back to an image it ran before: the tag bump, with the tag checked first.

    python -m delivery.rollback --values-file helm/django-app/values-prod.yaml --to 0123abcd4567 \\
        --author-name "Jenkins tag bump" --author-email jenkins-bot@example.com \\
        [--key image.tag] [--repo-dir .] [--remote origin] [--branch main]

The tag must be one that the values file held before on the remote branch (its history is
read, newest first): an image that was built, pushed and deployed, so it is in the registry and
its tag is immutable. The commit is the tag bump's, as the bot (author and committer), with the
tag bump's trailers, its Source-Commit what the last bump on the branch deployed: the pipeline
it starts builds nothing (the loop guard) unless human commits landed after that bump and were
never built, and Argo CD syncs the older image. With `--repository`, a tag the registry's
lifecycle rule has expired is refused too (it would end in ImagePullBackOff).

Exit status as the tag bump's: 0 done (or already that tag), 1 git failed or the branch kept
moving, 2 invalid input, including a tag the values file never held.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Sequence

from delivery.cli import OneLineParser
from delivery.git import Git, GitError
from delivery.image_exists import image_exists
from delivery.tag_bump import (
    BumpFailed,
    BumpRequest,
    InvalidInput,
    add_request_arguments,
    bump,
    request_from,
    run,
    validate_request,
    validate_tag,
)
from delivery.values_file import ValuesFileError, scalar_in_text

MAX_HISTORY = 500
"""How many of the values file's commits are read for earlier tags, newest first."""


def deployed_tags(git: Git, revision: str, values_file: str, key: str) -> list[str]:
    """The values `key` held in `values_file` at each commit of `revision` that changed the
    file, newest first, without repeats or empty values."""
    commits = git.run(
        "log", f"--max-count={MAX_HISTORY}", "--format=%H", revision, "--", values_file
    ).split()
    tags: list[str] = []
    for commit in commits:
        try:
            text = git.run("show", f"{commit}:{values_file}")
            tag = scalar_in_text(text, values_file, key)
        except (GitError, ValuesFileError):
            continue  # the file did not exist, or had no such key, at that commit
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def rollback(request: BumpRequest, in_registry: Callable[[str], bool] | None = None) -> str:
    """Check that `request.tag` was deployed from the values file before (and, with
    `in_registry`, that the registry still holds it), then bump to it."""
    validate_tag(request.tag)
    validate_request(request.values_file, request.key, request.author_name, request.author_email)
    git = Git(request.repo_dir)
    try:
        tip = git.fetch_branch(request.remote, request.branch)
        tags = deployed_tags(git, tip, request.values_file, request.key)
    except GitError as error:
        raise BumpFailed(str(error)) from None
    if request.tag not in tags:
        known = ", ".join(tags[:5]) or "none"
        raise InvalidInput(
            f"{request.tag!r} was never the {request.key} of {request.values_file} on "
            f"{request.remote}/{request.branch}: roll back only to an image deployed before "
            f"(newest first: {known})"
        )
    if in_registry is not None and not in_registry(request.tag):
        raise InvalidInput(
            f"{request.tag!r} is no longer in the registry (its lifecycle rule expired it): "
            "roll back to a newer one"
        )
    return bump(dataclasses.replace(request, deploy_only=True))


def in_registry(repository: str, region: str | None = None) -> Callable[[str], bool]:
    """Whether ECR `repository` (this AWS environment's, in `region` or AWS_REGION's) holds a
    tag."""
    import boto3

    client = boto3.client("ecr", region_name=region)
    return lambda tag: image_exists(client, repository, tag)


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m delivery.rollback", description=__doc__.split("\n\n")[0])
    add_request_arguments(parser, tag_flag="--to", tag_help="the earlier image tag")
    parser.add_argument(
        "--repository",
        help="ECR repository: refuse a tag its lifecycle rule has expired (needs AWS access)",
    )
    parser.add_argument("--region", help="the repository's AWS region (default: AWS_REGION)")
    arguments = parser.parse_args(argv)
    if arguments.region and not arguments.repository:
        parser.error("--region applies only with --repository")
    return run(
        "rollback",
        lambda: rollback(
            request_from(arguments),
            in_registry(arguments.repository, arguments.region) if arguments.repository else None,
        ),
    )


if __name__ == "__main__":
    sys.exit(main())
