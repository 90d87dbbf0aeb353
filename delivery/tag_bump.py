"""Write a new image tag into the Helm values file, commit it as the bot and push it.

    python -m delivery.tag_bump --values-file helm/django-app/values.yaml --key image.tag \\
        --tag 0123abcd4567 --repo-dir . --remote origin --branch main \\
        --author-name "Jenkins tag bump" --author-email jenkins@example.com --max-attempts 3

Every attempt starts from the freshly fetched tip of the remote branch: the working tree is
moved there (detached HEAD), the value is edited, committed and pushed. When the push is
rejected because someone else pushed in between, the next attempt redoes the edit on the new
tip, so no rebase conflict can arise and no remote commit is lost. A tag that is already set
leaves the branch untouched.

Exit status: 0 pushed or already set, 1 git failure or every attempt lost the race,
2 invalid input (bad tag, missing values file or key, uncommitted changes in the repository).
"""

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from delivery.commit_marker import bump_commit_message
from delivery.git import Git, GitError
from delivery.values_file import ValuesFileError, set_scalar

TAG_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
REFUSED_TAGS = {"latest"}

EXIT_FAILURE = 1
EXIT_INVALID_INPUT = 2


class InvalidInput(Exception):
    """The request cannot succeed as given (exit status 2)."""


class BumpFailed(Exception):
    """Git failed, or the remote kept moving for every attempt (exit status 1)."""


def validate_tag(tag: str) -> None:
    if tag in REFUSED_TAGS:
        raise InvalidInput(
            f"tag {tag!r} is refused: deploy an immutable tag such as the commit SHA"
        )
    if not TAG_PATTERN.match(tag):
        raise InvalidInput(f"tag {tag!r} is not a valid image tag (expected {TAG_PATTERN.pattern})")


def bump(
    repo_dir: str | Path,
    values_file: str,
    key: str,
    tag: str,
    remote: str,
    branch: str,
    author_name: str,
    author_email: str,
    max_attempts: int,
) -> str:
    """Set `key` to `tag` on `remote`/`branch`; return a one-line report of what happened."""
    validate_tag(tag)
    if max_attempts < 1:
        raise InvalidInput("--max-attempts must be at least 1")
    git = Git(repo_dir)
    try:
        if git.has_tracked_changes():
            raise InvalidInput(f"{repo_dir} has uncommitted changes; the bump would discard them")
        source_commit = git.rev_parse("HEAD")
        for attempt in range(1, max_attempts + 1):
            base = git.fetch_branch(remote, branch)
            git.checkout_detached(base)
            try:
                changed = set_scalar(Path(repo_dir) / values_file, key, tag)
            except ValuesFileError as error:
                raise InvalidInput(f"{error} (on {remote}/{branch})") from None
            if not changed:
                return f"{key} is already {tag} on {remote}/{branch}; nothing to commit"
            message = bump_commit_message(values_file, key, tag, source_commit)
            commit = git.commit_file(values_file, message, author_name, author_email)
            rejection = git.push(remote, branch)
            if rejection is None:
                return (
                    f"pushed {commit[:12]} to {remote}/{branch}: {key} = {tag} "
                    f"(attempt {attempt}/{max_attempts})"
                )
            if git.fetch_branch(remote, branch) == base:
                raise BumpFailed(f"push to {remote}/{branch} rejected: {rejection}")
            print(
                f"tag_bump: {remote}/{branch} moved during attempt {attempt}/{max_attempts}; "
                "retrying on its new tip",
                file=sys.stderr,
            )
    except GitError as error:
        raise BumpFailed(str(error)) from None
    raise BumpFailed(f"{remote}/{branch} kept moving: gave up after {max_attempts} attempts")


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m delivery.tag_bump", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--values-file", required=True, help="values file, relative to --repo-dir")
    parser.add_argument("--key", default="image.tag", help="dotted key to set (default: image.tag)")
    parser.add_argument("--tag", required=True, help="the new image tag")
    parser.add_argument("--repo-dir", default=".", help="git work tree to commit in (default: .)")
    parser.add_argument("--remote", default="origin")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--author-name", required=True, help="name of the bot identity")
    parser.add_argument("--author-email", required=True, help="email of the bot identity")
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=3,
        help="pushes to try when the branch moves (default: 3)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        report = bump(
            repo_dir=arguments.repo_dir,
            values_file=arguments.values_file,
            key=arguments.key,
            tag=arguments.tag,
            remote=arguments.remote,
            branch=arguments.branch,
            author_name=arguments.author_name,
            author_email=arguments.author_email,
            max_attempts=arguments.max_attempts,
        )
    except InvalidInput as error:
        print(f"tag_bump: error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except BumpFailed as error:
        print(f"tag_bump: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"tag_bump: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
