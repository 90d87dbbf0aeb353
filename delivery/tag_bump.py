"""Write a new image tag into the Helm values file, commit it as the bot and push it.

    python -m delivery.tag_bump --values-file helm/django-app/values-dev.yaml --key image.tag \\
        --tag 0123abcd4567 --repo-dir . --remote origin --branch main \\
        --author-name "Jenkins tag bump" --author-email jenkins@example.com --max-attempts 3

Every attempt starts from the freshly fetched tip of the remote branch: the working tree is
moved there (detached HEAD), the value is edited, committed and pushed. When the push is
rejected because someone else pushed in between, the next attempt redoes the edit on the new
tip, so no rebase conflict can arise and no remote commit is lost. A tag that is already set
leaves the branch untouched. (A promotion, `delivery.promote`, uses the same bump; in its
pull-request mode the commit goes to a new branch instead, created once, never moved.)

Exit status: 0 pushed or already set, 1 git failure or every attempt lost the race,
2 invalid input (bad tag, key, author or path; a values file that git does not track or that is
not YAML; a key that does not hold an image tag; uncommitted changes in the repository; an
untracked or ignored file the remote tip would overwrite). Every error is one line, and on every
failure the work tree is left where it started, untracked files untouched.
"""

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from delivery.cli import OneLineParser
from delivery.commit_marker import bump_commit_message
from delivery.git import Git, GitError
from delivery.identity import is_author_email, is_author_name
from delivery.loop_guard import last_deployed_source
from delivery.names import IMAGE_TAG
from delivery.values_file import ValuesFileError, current_scalar, set_scalar

TAG_PATTERN = IMAGE_TAG
REFUSED_TAGS = {"latest"}
KEY_PART = re.compile(r"[A-Za-z0-9_-]{1,64}")

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
    if not TAG_PATTERN.fullmatch(tag):
        raise InvalidInput(
            f"tag {tag[:140]!r} is not a valid image tag (expected {TAG_PATTERN.pattern})"
        )


def validate_request(values_file: str, key: str, author_name: str, author_email: str) -> None:
    """Everything that can be judged before the repository is touched."""
    parts = key.split(".")
    if not all(KEY_PART.fullmatch(part) for part in parts):
        raise InvalidInput(
            f"--key {key[:80]!r} is not a dotted key of letters, digits, '_' and '-' "
            "(e.g. image.tag)"
        )
    if parts[-1] != "tag":
        raise InvalidInput(
            f"--key {key!r} does not name an image tag: the tool only writes keys whose last "
            "part is 'tag' (e.g. image.tag)"
        )
    relative = Path(values_file)
    if relative.is_absolute() or ".." in relative.parts or not values_file.strip():
        raise InvalidInput(
            f"--values-file {values_file[:120]!r} must be a path inside the repository, "
            "relative to --repo-dir, without '..'"
        )
    if not is_author_name(author_name):
        raise InvalidInput(
            f"--author-name {author_name[:80]!r} must be 1-100 characters, without <, > or "
            "line breaks"
        )
    if not is_author_email(author_email):
        raise InvalidInput(f"--author-email {author_email[:80]!r} is not an e-mail address")


def _check_current_value(path: Path, key: str) -> None:
    """The key must hold an image tag already (or nothing yet): the tool writes image tags only."""
    current = current_scalar(path, key)
    if current and not TAG_PATTERN.fullmatch(current):
        raise InvalidInput(
            f"{key} holds {current[:60]!r}, which is not an image tag: the tool only "
            "changes image tags"
        )


@dataclass(frozen=True)
class BumpRequest:
    """What to set where, and as whom (the command's options)."""

    repo_dir: str | Path
    values_file: str
    key: str
    tag: str
    remote: str
    branch: str
    author_name: str
    author_email: str
    max_attempts: int
    source_commit: str | None = None
    """The Source-Commit written (default: the checked-out commit, the one built)."""
    deploy_only: bool = False
    """The commit deploys an image built before (a rollback, a promotion): its Source-Commit is
    what the last bump on the fetched tip deployed, worked out again at each attempt, so the
    loop guard builds nothing for it, yet commits that landed after that bump and were never
    built still count as unbuilt."""
    subject: str | None = None
    """The commit's subject after the `[ci-bump]` prefix (default: "Deploy image <tag>")."""
    extra_trailers: tuple[tuple[str, str], ...] = ()
    """Trailers written between Source-Commit and Bumped-By (a promotion's Promoted-From)."""
    push_branch: str | None = None
    """Pull-request mode: the commit is made on the fetched tip of `branch` but pushed to this
    NEW branch, once (nobody else pushes to it, so there is no race to retry). A branch that
    exists on the remote already is refused, and never moved."""


@dataclass(frozen=True)
class BumpResult:
    """What `bump_result` did: its one-line report, and the commit pushed (None: the value was
    set already, nothing committed) at which attempt."""

    report: str
    commit: str | None = None
    attempt: int = 0


_TRAILER_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")


def _validate_message_parts(request: BumpRequest) -> None:
    if request.subject is not None and (
        not request.subject.strip()
        or len(request.subject) > 200
        or any(char in request.subject for char in "\r\n")
    ):
        raise InvalidInput(
            f"commit subject {request.subject[:80]!r} must be one line of 1-200 characters"
        )
    for name, value in request.extra_trailers:
        if not _TRAILER_KEY.fullmatch(name) or not value.strip() or "\n" in value or "\r" in value:
            raise InvalidInput(f"trailer {name[:64]!r}: {value[:80]!r} is not a one-line trailer")


def branch_exists(git: Git, remote: str, branch: str) -> bool:
    """Whether `remote` has the branch `branch` now."""
    ref = f"refs/heads/{branch}"
    output = git.run("ls-remote", "--heads", remote, ref)
    return any(line.partition("\t")[2] == ref for line in output.splitlines())


def check_new_branch(git: Git, remote: str, branch: str) -> None:
    """Refuse a pull-request branch that `remote` has already (its pull request is open, or
    was forgotten): it is never moved."""
    if branch_exists(git, remote, branch):
        raise InvalidInput(
            f"branch {branch} exists on {remote} already: merge or close its pull request, "
            "or delete the branch"
        )


def _validate_push_branch(git: Git, push_branch: str, branch: str) -> None:
    try:
        git.run("check-ref-format", f"refs/heads/{push_branch}")
    except GitError:
        raise InvalidInput(f"branch {push_branch[:140]!r} is not a valid git branch name") from None
    if push_branch == branch:
        raise InvalidInput(
            f"branch {push_branch} is the branch the commit is made on: a pull request needs "
            "a new branch"
        )


def bump(request: BumpRequest) -> str:
    """Set `key` to `tag` on `remote`/`branch`; return a one-line report of what happened."""
    return bump_result(request).report


def bump_result(request: BumpRequest) -> BumpResult:
    """`bump`, telling also which commit it pushed (if any)."""
    validate_tag(request.tag)
    validate_request(request.values_file, request.key, request.author_name, request.author_email)
    if not 1 <= request.max_attempts <= 20:
        raise InvalidInput("--max-attempts must be from 1 to 20")
    _validate_message_parts(request)
    git = Git(request.repo_dir)
    try:
        if request.push_branch is not None:
            _validate_push_branch(git, request.push_branch, request.branch)
        if git.has_tracked_changes():
            raise InvalidInput(
                f"{request.repo_dir} has uncommitted changes; the bump would discard them"
            )
        source_commit = git.rev_parse("HEAD")
        started_at = git.current_ref()
    except GitError as error:
        raise BumpFailed(str(error)) from None
    try:
        return _bump_on_tip(git, source_commit, request)
    except Exception:
        # Nothing half-done stays behind, whatever failed: back where it started, untracked
        # files untouched.
        try:
            git.restore(started_at)
        except GitError as error:
            print(f"tag_bump: could not restore {started_at}: {error}", file=sys.stderr)
        raise


def _bump_on_tip(git: Git, source_commit: str, request: BumpRequest) -> BumpResult:
    remote, branch, key, tag = request.remote, request.branch, request.key, request.tag
    values_file, attempts = request.values_file, request.max_attempts
    if request.push_branch is not None:
        attempts = 1  # a new branch: no one else pushes to it, there is no race to retry
    try:
        if request.push_branch is not None:
            check_new_branch(git, remote, request.push_branch)
        for attempt in range(1, attempts + 1):
            base = git.fetch_branch(remote, branch)
            if not git.is_tracked(base, values_file):
                raise InvalidInput(
                    f"{values_file} is not a file git tracks on {remote}/{branch}: the tool "
                    "only edits tracked files"
                )
            replaced = git.untracked_in(base)
            if replaced:
                raise InvalidInput(
                    f"{remote}/{branch} has {', '.join(replaced[:3])}"
                    f"{' ...' if len(replaced) > 3 else ''}, untracked or ignored here: moving "
                    "to it would overwrite them; move them away first"
                )
            git.checkout_detached(base)
            path = Path(request.repo_dir) / values_file
            try:
                inside = path.resolve().is_relative_to(Path(request.repo_dir).resolve())
            except (OSError, RuntimeError):  # a link loop
                inside = False
            if not inside:
                raise InvalidInput(f"{values_file} leads outside the repository (a link?)")
            try:
                _check_current_value(path, key)
                changed = set_scalar(path, key, tag)
            except ValuesFileError as error:
                raise InvalidInput(f"{error} (on {remote}/{branch})") from None
            if not changed:
                return BumpResult(f"{key} is already {tag} on {remote}/{branch}; nothing to commit")
            message = bump_commit_message(
                values_file,
                key,
                tag,
                last_deployed_source(git, base, request.author_email)
                if request.deploy_only
                else request.source_commit or source_commit,
                subject=request.subject,
                extra_trailers=request.extra_trailers,
            )
            commit = git.commit_file(
                values_file, message, request.author_name, request.author_email
            )
            if request.push_branch is not None:
                return _push_new_branch(git, commit, base, request)
            rejection = git.push(remote, branch)
            if rejection is None:
                return BumpResult(
                    f"pushed {commit[:12]} to {remote}/{branch}: {key} = {tag} "
                    f"(attempt {attempt}/{attempts})",
                    commit,
                    attempt,
                )
            if git.fetch_branch(remote, branch) == base:
                raise BumpFailed(f"push to {remote}/{branch} rejected: {rejection}")
            print(
                f"tag_bump: {remote}/{branch} moved during attempt {attempt}/{attempts}; "
                "retrying on its new tip",
                file=sys.stderr,
            )
    except GitError as error:
        raise BumpFailed(str(error)) from None
    raise BumpFailed(f"{remote}/{branch} kept moving: gave up after {attempts} attempts")


def _push_new_branch(git: Git, commit: str, base: str, request: BumpRequest) -> BumpResult:
    """Push HEAD (`commit`, made on `base`) to the new branch `request.push_branch`."""
    remote, new_branch = request.remote, request.push_branch
    ref = f"refs/heads/{new_branch}"
    try:
        # Create-only: the lease expects no such branch, so the push is refused if one appeared
        # since the check (even one the commit would fast-forward); nothing is ever overwritten.
        git.run("push", "--porcelain", f"--force-with-lease={ref}:", remote, f"HEAD:{ref}")
    except GitError as error:
        check_new_branch(git, remote, new_branch)
        raise BumpFailed(f"push to {remote}/{new_branch} rejected: {error}") from None
    return BumpResult(
        f"pushed {commit[:12]} to the new branch {remote}/{new_branch} (on {remote}/"
        f"{request.branch} at {base[:12]}): {request.key} = {request.tag}",
        commit,
        1,
    )


def add_request_arguments(parser: argparse.ArgumentParser, *, tag_flag: str, tag_help: str) -> None:
    """The options of a `BumpRequest` (the tag bump's, and the rollback's with `--to`)."""
    parser.add_argument("--values-file", required=True, help="values file, relative to --repo-dir")
    parser.add_argument("--key", default="image.tag", help="dotted key to set (default: image.tag)")
    parser.add_argument(tag_flag, required=True, dest="tag", help=tag_help)
    add_commit_arguments(parser)


def add_commit_arguments(parser: argparse.ArgumentParser) -> None:
    """Where and as whom the bot's commit is made and pushed (every tool that writes a tag)."""
    parser.add_argument("--repo-dir", default=".", help="git work tree to commit in (default: .)")
    parser.add_argument("--remote", default="origin")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--author-name", required=True, help="name of the bot identity")
    parser.add_argument(
        "--author-email",
        required=True,
        help="email of the bot identity (gitops.bot_email: the loop guard trusts only it)",
    )
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=3,
        help="pushes to try when the branch moves (default: 3)",
    )


def request_from(arguments: argparse.Namespace) -> BumpRequest:
    return BumpRequest(
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


def run(tool: str, action: Callable[[], str]) -> int:
    """`action`'s report on stdout and exit 0, or its error on one line with the exit status
    documented above; an unforeseen error is one line too (the tree is put back by `bump`)."""
    try:
        report = action()
    except InvalidInput as error:
        print(f"{tool}: error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except BumpFailed as error:
        print(f"{tool}: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as error:
        print(f"{tool}: error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"{tool}: {report}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m delivery.tag_bump", description=__doc__.split("\n\n")[0])
    add_request_arguments(parser, tag_flag="--tag", tag_help="the new image tag")
    arguments = parser.parse_args(argv)
    return run("tag_bump", lambda: bump(request_from(arguments)))


if __name__ == "__main__":
    sys.exit(main())
