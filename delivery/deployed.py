"""The record that an image ran healthy in an environment: a git tag `deployed/<env>/<tag>`.

    python -m delivery.deployed --environment dev \\
        --values-file helm/django-app/values-dev.yaml [--key image.tag] [--revision HEAD] \\
        [--repo-dir .] [--remote origin]

The pipeline runs it once Argo CD reports the Application Synced and Healthy at the commit it
waited for (`delivery.argocd_wait`): it reads the image tag that commit's values file deploys
and pushes the lightweight git tag `deployed/<environment>/<image tag>`, pointing at that
commit. Promotion (`delivery.promote`) trusts only images so recorded in the environment it
promotes from. The record lives beside the code, readable by anyone who can read the
repository: no access to the source environment's cluster is needed to promote from it.

A record is written once and never moved: an image already recorded is left as it is (the
first healthy deploy is the evidence). Like a tag bump, it is as trustworthy as the push rights
to the repository (protect `refs/tags/deployed/*` with a tag ruleset for the bot only).

Exit status: 0 recorded (or already recorded), 1 git failed, 2 invalid input.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from delivery.cli import OneLineParser
from delivery.git import Git, GitError
from delivery.names import ENVIRONMENT, IMAGE_TAG, MAX_IMAGE_TAG_LENGTH
from delivery.values_file import ValuesFileError, scalar_in_text

PREFIX = "deployed"
ENVIRONMENT_PATTERN = ENVIRONMENT
TAG_PATTERN = IMAGE_TAG
MAX_TAG_LENGTH = MAX_IMAGE_TAG_LENGTH


class RecordError(Exception):
    """The record cannot be named, read or written; the message says why."""


def kept_tag_pattern(environment: str) -> str:
    """The ECR lifecycle pattern that matches every `kept_tag` of `environment`."""
    return kept_tag(environment, "*")


def kept_tag(environment: str, tag: str) -> str:
    """The second tag of an image promoted to `environment`: `<environment>-<tag>`, which the
    registry's lifecycle rule keeps apart (`infra_constructs.registry`)."""
    kept = f"{environment}-{tag}"
    if len(kept) > MAX_TAG_LENGTH:
        raise RecordError(
            f"{tag[:40]!r} is too long to be kept as {environment}-<tag> (at most "
            f"{MAX_TAG_LENGTH} characters): use commit SHAs as tags"
        )
    return kept


def marker_ref(environment: str, tag: str) -> str:
    """`refs/tags/deployed/<environment>/<tag>`: the record that `tag` ran healthy in
    `environment`. Raises `RecordError` for a name git or the grammars refuse."""
    if not ENVIRONMENT_PATTERN.fullmatch(environment):
        raise RecordError(
            f"environment {environment[:40]!r} is not an environment name (lowercase letters, "
            "digits and '-', starting with a letter)"
        )
    if not TAG_PATTERN.fullmatch(tag) or ".." in tag or tag.endswith((".", ".lock")):
        raise RecordError(
            f"image tag {tag[:140]!r} cannot name a git tag (an image tag without '..', not "
            "ending in '.' or '.lock')"
        )
    return f"refs/tags/{PREFIX}/{environment}/{tag}"


def recorded_commit(git: Git, remote: str, environment: str, tag: str) -> str | None:
    """The commit the record of `tag` in `environment` points at on `remote`, or None. A
    record made by hand as an annotated tag counts too: its commit, not the tag object."""
    ref = marker_ref(environment, tag)
    output = git.run("ls-remote", "--tags", remote, ref, f"{ref}^{{}}")
    objects = {}
    for line in output.splitlines():
        object_name, _, name = line.partition("\t")
        objects[name] = object_name
    return objects.get(f"{ref}^{{}}") or objects.get(ref)  # the peeled commit first


def record(git: Git, remote: str, environment: str, tag: str, commit: str) -> str:
    """Push the record of `tag` in `environment`, pointing at `commit`, unless `remote` has it
    already; return a one-line report."""
    ref = marker_ref(environment, tag)
    existing = recorded_commit(git, remote, environment, tag)
    if existing is not None:
        return f"{ref.removeprefix('refs/tags/')} is already recorded at {existing[:12]}"
    # No local tag is made: the clone's tags are not touched, only the remote gets the ref
    # (--no-follow-tags: with push.followTags set, the clone's annotated tags would go along).
    # Without --force a concurrent recorder's tag is never moved: the push is then rejected.
    try:
        git.run("push", "--porcelain", "--no-follow-tags", remote, f"{commit}:{ref}")
    except GitError:
        if recorded_commit(git, remote, environment, tag) is not None:
            return f"{ref.removeprefix('refs/tags/')} was recorded meanwhile"
        raise
    return f"recorded {ref.removeprefix('refs/tags/')} at {commit[:12]}"


def deployed_tag(git: Git, revision: str, values_file: str, key: str) -> str:
    """The image tag that `values_file` at `revision` deploys."""
    try:
        text = git.run("show", f"{revision}:{values_file}")
    except GitError:
        raise RecordError(f"{values_file} is not a file of {revision[:12]}") from None
    try:
        tag = scalar_in_text(text, values_file, key)
    except ValuesFileError as error:
        raise RecordError(str(error)) from None
    if not tag:
        raise RecordError(f"{key} of {values_file} is empty at {revision[:12]}: nothing deployed")
    return tag


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m delivery.deployed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--environment", required=True, help="the environment that runs it")
    parser.add_argument(
        "--values-file", required=True, help="the environment's values file (relative)"
    )
    parser.add_argument("--key", default="image.tag", help="dotted key of the image tag")
    parser.add_argument("--revision", default="HEAD", help="the commit Argo CD reported healthy")
    parser.add_argument("--repo-dir", default=".", help="git work tree (default: .)")
    parser.add_argument("--remote", default="origin")
    arguments = parser.parse_args(argv)
    git = Git(arguments.repo_dir)
    try:
        try:
            commit = git.rev_parse(arguments.revision)
        except GitError:
            raise RecordError(
                f"--revision {arguments.revision[:80]!r} is not a commit of {arguments.repo_dir}"
            ) from None
        tag = deployed_tag(git, commit, arguments.values_file, arguments.key)
        report = record(git, arguments.remote, arguments.environment, tag, commit)
    except RecordError as error:
        print(f"deployed: error: {error}", file=sys.stderr)
        return 2
    except GitError as error:
        print(f"deployed: error: {error}", file=sys.stderr)
        return 1
    print(f"deployed: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
