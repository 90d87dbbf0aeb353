"""Roll an environment back to an image it ran before: the tag bump, with the tag checked first.

    python -m delivery.rollback --values-file helm/django-app/values.yaml --to 0123abcd4567 \\
        --author-name "Jenkins tag bump" --author-email jenkins-bot@example.com \\
        [--key image.tag] [--repo-dir .] [--remote origin] [--branch main]

The tag must be one that the values file held before on the remote branch (its history is
read, newest first): an image that was built, pushed and deployed, so it is in the registry and
its tag is immutable. The commit is the tag bump's, as the bot (author and committer), with the
tag bump's trailers, its Source-Commit the branch's tip: the pipeline it starts builds nothing
(the loop guard), and Argo CD syncs the older image.

Exit status as the tag bump's: 0 done (or already that tag), 1 git failed or the branch kept
moving, 2 invalid input, including a tag the values file never held.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from delivery.cli import OneLineParser
from delivery.git import Git, GitError
from delivery.tag_bump import (
    EXIT_FAILURE,
    EXIT_INVALID_INPUT,
    BumpFailed,
    BumpRequest,
    InvalidInput,
    bump,
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


def rollback(request: BumpRequest) -> str:
    """Check that `request.tag` was deployed from the values file before, then bump to it."""
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
    return bump(request)


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m delivery.rollback", description=__doc__.split("\n\n")[0])
    parser.add_argument("--values-file", required=True, help="values file, relative to --repo-dir")
    parser.add_argument("--key", default="image.tag", help="dotted key (default: image.tag)")
    parser.add_argument("--to", required=True, help="the earlier image tag")
    parser.add_argument("--repo-dir", default=".", help="git work tree (default: .)")
    parser.add_argument("--remote", default="origin")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--author-name", required=True, help="name of the bot identity")
    parser.add_argument("--author-email", required=True, help="email of the bot identity")
    arguments = parser.parse_args(argv)
    try:
        report = rollback(
            BumpRequest(
                repo_dir=arguments.repo_dir,
                values_file=arguments.values_file,
                key=arguments.key,
                tag=arguments.to,
                remote=arguments.remote,
                branch=arguments.branch,
                author_name=arguments.author_name,
                author_email=arguments.author_email,
                max_attempts=3,
                source_at_tip=True,
            )
        )
    except InvalidInput as error:
        print(f"rollback: error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except BumpFailed as error:
        print(f"rollback: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"rollback: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
