"""Promote the image one environment runs, recorded healthy there, to another environment.

    python -m delivery.promote --from dev --to prod --chart-path helm/django-app \\
        --author-name "Jenkins tag bump" --author-email jenkins-bot@example.com \\
        [--key image.tag] [--repo-dir .] [--remote origin] [--branch main] [--max-attempts 3] \\
        [--pull-request] [--repository djeks/django-app [--region eu-west-1] \\
        [--registry-timeout 300]]

Each environment's image tag lives in its own values file of the chart,
`<chart>/values-<environment>.yaml`. On the freshly fetched tip of the remote branch, in order:

1. the options: two different environment names, the chart path, the key, the author;
2. the tag the `--from` environment's values file deploys: none yet, refused;
3. the tag of the `--to` environment's: already that one, nothing to do (exit 0);
4. the evidence: the git tag `deployed/<from>/<tag>` on the remote, which the `--from`
   environment's pipeline pushes (`python -m delivery.deployed`) once Argo CD reports that
   environment Synced and Healthy at that tag: without it, refused;
5. with `--repository`, the `--to` environment's registry (the caller's AWS credentials are
   that environment's): the image must be there, replicated from the `--from` environment's
   (or the same registry, shared). It is asked every 10 s until `--registry-timeout` seconds
   have passed. Then the image gets a second tag, `<to>-<tag>` (`kept_tag`): the registry's
   lifecycle rule keeps the newest images so tagged apart from the others, so a long-lived
   release is never expired by the builds that come after it;
6. then the tag bump of the `--to` environment's values file, as the bot (author and
   committer), redone on the new tip when someone pushed meanwhile: subject "[ci-bump] Promote
   image <tag> from <from> to <to>", trailer `Promoted-From: <from>`, and as Source-Commit what
   the last bump on the branch deployed, so the pipeline the commit starts builds nothing for
   it (the loop guard). With `--pull-request` the commit goes to the new branch
   `promote/<to>/<tag>` instead, for review (refused when that branch exists).

Exit status: 0 promoted, or the `--to` environment runs the tag already; 1 git failed, the
branch kept moving, or the registry could not be asked or does not hold the image in time;
2 invalid input (an option, nothing deployed in the `--from` environment, no record of the tag
running healthy there, the pull request's branch exists already, uncommitted changes). Every
error is one line, and on every failure the work tree is left where it started.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from delivery.cli import OneLineParser
from delivery.commit_marker import PROMOTED_FROM_TRAILER_KEY
from delivery.deployed import (
    ENVIRONMENT_PATTERN,
    RecordError,
    kept_tag,
    marker_ref,
    recorded_commit,
)
from delivery.git import Git, GitError
from delivery.image_exists import MANIFEST_MEDIA_TYPES, RegistryError, image_exists
from delivery.names import AWS_REGION, ECR_REPOSITORY
from delivery.tag_bump import (
    BumpFailed,
    BumpRequest,
    InvalidInput,
    add_commit_arguments,
    bump_result,
    check_new_branch,
    run,
    validate_request,
    validate_tag,
)
from delivery.values_file import ValuesFileError, environment_values_file, scalar_in_text

TAG_EXISTS = ("ImageAlreadyExistsException", "ImageTagAlreadyExistsException")
"""What ECR answers a PutImage of a tag that exists (moto the first, the service the second on
an IMMUTABLE repository)."""
REGISTRY_POLL_SECONDS = 10
DEFAULT_REGISTRY_TIMEOUT = 300
MAX_REGISTRY_TIMEOUT = 3600
"""An ECR repository name (2-256 characters), as `CreateRepository` accepts it."""
_GITHUB_REMOTE = re.compile(
    r"(?:https://(?:[^@/]*@)?github\.com/"  # https, credentials or not
    r"|ssh://(?:[^@/]*@)?github\.com(?::[0-9]+)?/"  # ssh://git@github.com/
    r"|(?:[^@/:]+@)?github\.com:)"  # git@github.com:
    r"(?P<owner>[A-Za-z0-9-]+)/(?P<repository>[A-Za-z0-9._-]+?)(?:\.git)?/?",
    re.IGNORECASE,
)


class Registry(Protocol):
    """The `--to` environment's image repository, as promotion uses it."""

    def has(self, tag: str) -> bool: ...

    def keep(self, tag: str, environment: str) -> str: ...


@dataclass(frozen=True)
class PromoteRequest:
    """What to promote from where to where, and as whom (the command's options)."""

    source: str
    target: str
    chart_path: str
    author_name: str
    author_email: str
    key: str = "image.tag"
    repo_dir: str | Path = "."
    remote: str = "origin"
    branch: str = "main"
    max_attempts: int = 3
    pull_request: bool = False
    repository: str | None = None
    """The `--to` environment's ECR repository: with it, the image must be there first."""
    region: str | None = None
    registry_timeout: int | None = None
    """Seconds to wait for the image in the registry (default 300; 0: ask once)."""


def validate(request: PromoteRequest) -> None:
    """Everything that can be judged before the repository is touched."""
    for option, environment in (("--from", request.source), ("--to", request.target)):
        if not ENVIRONMENT_PATTERN.fullmatch(environment):
            raise InvalidInput(
                f"{option} {environment[:40]!r} is not an environment name: lowercase letters, "
                "digits and '-', starting with a letter (e.g. dev, prod)"
            )
    if request.source == request.target:
        raise InvalidInput(
            f"--from and --to are both {request.source!r}: promote from one environment to "
            "another (e.g. --from dev --to prod)"
        )
    chart = Path(request.chart_path)
    if not request.chart_path.strip() or chart.is_absolute() or ".." in chart.parts:
        raise InvalidInput(
            f"--chart-path {request.chart_path[:120]!r} must be the chart's directory inside "
            "the repository, relative to --repo-dir, without '..' (e.g. helm/django-app)"
        )
    validate_request(
        environment_values_file(request.chart_path, request.target),
        request.key,
        request.author_name,
        request.author_email,
    )
    if not 1 <= request.max_attempts <= 20:
        raise InvalidInput(
            f"--max-attempts {request.max_attempts} must be from 1 to 20 (default: 3)"
        )
    if request.repository is None:
        for option, value in (
            ("--region", request.region),
            ("--registry-timeout", request.registry_timeout),
        ):
            if value is not None:
                raise InvalidInput(
                    f"{option} {value} applies only with --repository: name the --to "
                    "environment's ECR repository too, or leave it out"
                )
        return
    if not (2 <= len(request.repository) <= 256 and ECR_REPOSITORY.fullmatch(request.repository)):
        raise InvalidInput(
            f"--repository {request.repository[:80]!r} is not an ECR repository name "
            "(e.g. djeks/django-app)"
        )
    if request.region is not None and not AWS_REGION.fullmatch(request.region):
        raise InvalidInput(
            f"--region {request.region[:40]!r} is not an AWS region (e.g. eu-west-1), or leave "
            "it out for the environment's AWS_REGION"
        )
    timeout = request.registry_timeout
    if timeout is not None and not 0 <= timeout <= MAX_REGISTRY_TIMEOUT:
        raise InvalidInput(
            f"--registry-timeout {timeout} must be from 0 to {MAX_REGISTRY_TIMEOUT} seconds "
            "(0: ask the registry once)"
        )


def _tag_in(git: Git, tip: str, values_file: str, key: str, where: str) -> str:
    """The image tag `values_file` holds at `tip` ('' when none)."""
    if not git.is_tracked(tip, values_file):
        raise InvalidInput(
            f"{values_file} is not a file git tracks on {where}: --chart-path must be the "
            "chart's directory, holding values-<environment>.yaml for each environment"
        )
    try:
        return scalar_in_text(git.run("show", f"{tip}:{values_file}"), values_file, key)
    except ValuesFileError as error:
        raise InvalidInput(f"{error} (on {where})") from None


def wait_for_image(
    registry: Callable[[str], bool],
    tag: str,
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    waiting: Callable[[], None] | None = None,
) -> bool:
    """Ask `registry` for `tag` every 10 s until it has it (True) or `timeout` seconds have
    passed (False); a `timeout` of 0 asks once. `waiting` is called before the first wait."""
    deadline = clock() + timeout
    while not registry(tag):
        remaining = deadline - clock()
        if remaining <= 0:
            return False
        if waiting is not None:
            waiting()
            waiting = None
        sleep(min(REGISTRY_POLL_SECONDS, remaining))
    return True


class EcrRegistry:
    """ECR `repository` of the caller's AWS account: whether it holds a tag, and the kept tag."""

    def __init__(self, client: BaseClient, repository: str) -> None:
        self.client, self.repository = client, repository

    def has(self, tag: str) -> bool:
        return image_exists(self.client, self.repository, tag)

    def keep(self, tag: str, environment: str) -> str:
        """Tag the image `tag` also `kept_tag(environment, tag)`; return that tag. Done already
        (the same image so tagged: a promotion run again after a failed push) is done; the
        tag on another image is an error (IMMUTABLE tags never move)."""
        kept = kept_tag(environment, tag)
        try:
            image = self._image(tag)
            if image is None:
                raise RegistryError(f"ECR {self.repository}: no image {tag}")
            digest = image["imageId"]["imageDigest"]
            existing = self._image(kept)
            if existing is None:
                arguments = {
                    "repositoryName": self.repository,
                    "imageManifest": image["imageManifest"],
                    "imageTag": kept,
                    "imageDigest": digest,
                }
                if image.get("imageManifestMediaType"):
                    arguments["imageManifestMediaType"] = image["imageManifestMediaType"]
                try:
                    self.client.put_image(**arguments)
                    return kept
                except ClientError as error:
                    if error.response.get("Error", {}).get("Code") not in TAG_EXISTS:
                        raise
                existing = self._image(kept)  # tagged meanwhile, or already: which image?
        except ClientError as error:
            raise RegistryError(f"ECR {self.repository}: tag {kept}: {error}") from None
        except BotoCoreError as error:
            raise RegistryError(f"ECR {self.repository}: tag {kept}: {error}") from None
        if existing is None or existing["imageId"]["imageDigest"] != digest:
            raise RegistryError(
                f"ECR {self.repository}: {kept} names another image than {tag} (IMMUTABLE "
                "tags never move): look at both with aws ecr describe-images"
            )
        return kept

    def _image(self, tag: str) -> dict | None:
        """The image `tag` names (its manifest and digest), or None."""
        images = self.client.batch_get_image(
            repositoryName=self.repository,
            imageIds=[{"imageTag": tag}],
            acceptedMediaTypes=list(MANIFEST_MEDIA_TYPES),
        ).get("images", [])
        return images[0] if images else None


def ecr_registry(repository: str, region: str | None) -> EcrRegistry:
    """ECR `repository` in the caller's AWS account, `region` (or AWS_REGION's)."""
    import boto3

    return EcrRegistry(boto3.client("ecr", region_name=region), repository)


def compare_url(remote_url: str, base: str, head: str) -> str | None:
    """GitHub's page that opens a pull request of `head` into `base`, when `remote_url` is a
    github.com repository (https or ssh; credentials and `.git` are left out); else None."""
    match = _GITHUB_REMOTE.fullmatch(remote_url.strip())
    if match is None:
        return None
    return (
        f"https://github.com/{match['owner']}/{match['repository']}/compare/"
        f"{quote(base, safe='/')}...{quote(head, safe='/')}?expand=1"
    )


def _remote_url(git: Git, remote: str) -> str:
    """The URL git fetches `remote` from ('' when `remote` names no configured remote)."""
    try:
        return git.run("remote", "get-url", remote).strip()
    except GitError:
        return ""


def promote(
    request: PromoteRequest,
    registry: Registry | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Check the steps of the module's docstring in order, then bump the `--to` environment's
    tag; return a one-line report. `registry` is the `--to` environment's repository (default:
    ECR, when the request names a repository)."""
    validate(request)
    source, target, key = request.source, request.target, request.key
    remote, branch = request.remote, request.branch
    where = f"{remote}/{branch}"
    source_file = environment_values_file(request.chart_path, source)
    target_file = environment_values_file(request.chart_path, target)
    git = Git(request.repo_dir)
    try:
        tip = git.fetch_branch(remote, branch)
        tag = _tag_in(git, tip, source_file, key, where)
        if not tag:
            raise InvalidInput(
                f"{source} deploys no image yet: {key} of {source_file} is empty on {where}; "
                f"promote once {source}'s pipeline has deployed one"
            )
        try:
            validate_tag(tag)
        except InvalidInput as error:
            raise InvalidInput(f"{source_file} on {where}: {error}") from None
        if _tag_in(git, tip, target_file, key, where) == tag:
            return f"{target} already runs {tag}; nothing to promote"
        if recorded_commit(git, remote, source, tag) is None:
            record = marker_ref(source, tag).removeprefix("refs/tags/")
            raise InvalidInput(
                f"{tag} has no record of running healthy in {source}: {remote} has no tag "
                f"{record}, which {source}'s pipeline pushes once Argo CD reports {source} "
                f"Synced and Healthy at that tag; wait for {source}'s pipeline to finish, then "
                "promote again"
            )
        push_branch = f"promote/{target}/{tag}" if request.pull_request else None
        if push_branch is not None:
            check_new_branch(git, remote, push_branch)  # before any wait for the registry
    except GitError as error:
        raise BumpFailed(str(error)) from None
    except RecordError as error:
        raise InvalidInput(str(error)) from None

    kept = None
    if request.repository is not None:
        kept = _check_registry(request, tag, registry, clock, sleep)

    result = bump_result(
        BumpRequest(
            repo_dir=request.repo_dir,
            values_file=target_file,
            key=key,
            tag=tag,
            remote=remote,
            branch=branch,
            author_name=request.author_name,
            author_email=request.author_email,
            max_attempts=request.max_attempts,
            deploy_only=True,
            subject=f"Promote image {tag} from {source} to {target}",
            extra_trailers=((PROMOTED_FROM_TRAILER_KEY, source),),
            push_branch=push_branch,
        )
    )
    if result.commit is None:
        return f"{target} already runs {tag} (set meanwhile); nothing to promote"
    if push_branch is None:
        return f"pushed {result.commit[:12]} to {where}: {target} runs {tag} (from {source})" + (
            f"; kept in the registry as {kept}" if kept else ""
        )
    report = (
        f"pushed {result.commit[:12]} to the new branch {remote}/{push_branch}: {target} runs "
        f"{tag} (from {source}) once its pull request into {branch} is merged"
    )
    url = compare_url(_remote_url(git, remote), branch, push_branch)
    return f"{report}; open it at {url}" if url else f"{report}; open it on the Git host"


def _check_registry(
    request: PromoteRequest,
    tag: str,
    registry: Registry | None,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> str:
    """The image must be in the `--to` environment's registry, within the timeout; it is then
    kept there (its second tag, returned)."""
    timeout = request.registry_timeout
    timeout = DEFAULT_REGISTRY_TIMEOUT if timeout is None else timeout
    image = f"{request.repository}:{tag}"

    def waiting() -> None:
        print(
            f"promote: {image} is not in {request.target}'s registry yet; asking every "
            f"{REGISTRY_POLL_SECONDS} s for up to {timeout} s",
            file=sys.stderr,
        )

    try:
        kept_tag(request.target, tag)  # a tag too long to keep is refused before any wait
    except RecordError as error:
        raise InvalidInput(str(error)) from None
    try:
        repository = registry or ecr_registry(str(request.repository), request.region)
        present = wait_for_image(repository.has, tag, timeout, clock, sleep, waiting)
        if present:
            return repository.keep(tag, request.target)
    except (RegistryError, BotoCoreError) as error:
        raise BumpFailed(
            f"{request.target}'s registry could not be asked: {' '.join(str(error).split())}"
        ) from None
    raise BumpFailed(
        f"{image} is not in {request.target}'s registry after {timeout} s: it replicates "
        f"from {request.source}'s registry (README 'Network, registry and cluster'), only if "
        f"pushed after the rule and {request.target}'s registry existed: check the rule, or "
        f"build once more in {request.source}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m delivery.promote", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--from", dest="source", required=True, help="environment whose image is promoted (dev)"
    )
    parser.add_argument("--to", dest="target", required=True, help="environment to run it (prod)")
    parser.add_argument(
        "--chart-path",
        required=True,
        help="the chart's directory, relative to --repo-dir (values-<environment>.yaml inside)",
    )
    parser.add_argument("--key", default="image.tag", help="dotted key of the image tag")
    add_commit_arguments(parser)
    parser.add_argument(
        "--pull-request",
        action="store_true",
        help="push the commit to the new branch promote/<to>/<tag> instead, for review",
    )
    parser.add_argument(
        "--repository",
        help="the --to environment's ECR repository: wait until it holds the image",
    )
    parser.add_argument("--region", help="its AWS region (default: AWS_REGION)")
    parser.add_argument(
        "--registry-timeout",
        type=int,
        help=f"seconds to wait for the image (default: {DEFAULT_REGISTRY_TIMEOUT}; 0: ask once)",
    )
    arguments = parser.parse_args(argv)
    request = PromoteRequest(
        source=arguments.source,
        target=arguments.target,
        chart_path=arguments.chart_path,
        author_name=arguments.author_name,
        author_email=arguments.author_email,
        key=arguments.key,
        repo_dir=arguments.repo_dir,
        remote=arguments.remote,
        branch=arguments.branch,
        max_attempts=arguments.max_attempts,
        pull_request=arguments.pull_request,
        repository=arguments.repository,
        region=arguments.region,
        registry_timeout=arguments.registry_timeout,
    )
    return run("promote", lambda: promote(request))


if __name__ == "__main__":
    sys.exit(main())
