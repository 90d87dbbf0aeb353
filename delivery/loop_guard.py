"""Tell the pipeline whether HEAD needs a build, so the bot's own tag bumps do not loop.

    python -m delivery.loop_guard --bot-email jenkins-bot@example.com [--repo-dir .]
        [--revision HEAD]

A commit is the bot's tag bump when it carries the marker trailer AND its committer is the
bot's identity (`--bot-email`): a trailer copied into a human commit (by hand, or by a
cherry-pick or squash) is not enough. This guards against accidents, not against a forger with
push rights, who could set the committer too and would only skip a build (branch protection
and commit signing are the controls for that). A `git revert` of such a bump (the rollback of a
bad deploy) changes only what the bump changed, a values file: it is deploy-only too.

Exit status 0: skip the build. HEAD is a tag bump, and every commit since the one whose image
    it deploys is a bump or a revert of one; or HEAD is a revert of a bump and every commit
    since that bump is too: the deployed image already has this code.
Exit status 1: build. HEAD is a human commit, or human commits landed between the built
    commit and the bump, or between a reverted bump and its revert (the bump was pushed on top
    of them after losing a push race, or both were pushed together: their own build may never
    run if the queued builds were merged).
Exit status 2: the repository could not be read.
"""

import re
import sys
from collections.abc import Sequence

from delivery.cli import OneLineParser
from delivery.commit_marker import is_bot_commit, source_commit
from delivery.git import Git, GitError

EXIT_SKIP = 0
EXIT_BUILD = 1
EXIT_ERROR = 2


_REVERTS = re.compile(r"^This reverts commit ([0-9a-f]{40})\.?$", re.MULTILINE)


def is_bump(git: Git, commit: str, bot_email: str) -> bool:
    """The bot's own tag bump: the marker trailer, committed by the bot's identity."""
    return is_bot_commit(git.commit_message(commit)) and (
        git.committer_email(commit).lower() == bot_email.lower()
    )


def reverted_bump(git: Git, commit: str, bot_email: str) -> str | None:
    """The bump `commit` reverts, when it is a `git revert` of one that changes nothing the
    bump did not change; else None."""
    match = _REVERTS.search(git.commit_message(commit))
    if not match or git.is_merge(commit):
        # A merge's own diff is not what it brings in: only a direct (or squash-merged)
        # `git revert` counts.
        return None
    try:
        reverted = git.rev_parse(match.group(1))
    except GitError:
        return None
    if not is_bump(git, reverted, bot_email):
        return None
    if not git.changed_paths(commit) <= git.changed_paths(reverted):
        return None
    return reverted


def is_deploy_only(git: Git, commit: str, bot_email: str) -> bool:
    return is_bump(git, commit, bot_email) or reverted_bump(git, commit, bot_email) is not None


def decide(git: Git, revision: str, bot_email: str) -> tuple[int, str]:
    """(exit status, one-line reason) for `revision`."""
    head = git.rev_parse(revision)
    message = git.commit_message(head)
    reverted = None if is_bump(git, head, bot_email) else reverted_bump(git, head, bot_email)
    if reverted is not None:
        # From what the reverted bump deployed: commits under the bump that its own build
        # never covered count too (the bump may have landed above them after a push race).
        built = source_commit(git.commit_message(reverted))
        start = built if built and git.is_ancestor(built, head) else reverted
        unbuilt = [
            commit
            for commit in git.commits_between(start, head)
            if commit not in (head, reverted) and not is_deploy_only(git, commit, bot_email)
        ]
        if unbuilt:
            return EXIT_BUILD, (
                f"{head[:12]} reverts tag bump {reverted[:12]}, but {len(unbuilt)} commit(s) "
                "since that bump were never built: build"
            )
        return EXIT_SKIP, (
            f"{head[:12]} reverts tag bump {reverted[:12]} and changes nothing else: "
            "deploy-only, nothing to build"
        )
    if not is_bump(git, head, bot_email):
        if is_bot_commit(message):
            return EXIT_BUILD, (
                f"{head[:12]} carries the tag-bump trailer but was not committed by "
                f"{bot_email}: build"
            )
        return EXIT_BUILD, f"{head[:12]} is not a tag bump: build"

    deployed = source_commit(message)
    if not deployed or not git.is_ancestor(deployed, head):
        return EXIT_SKIP, (
            f"{head[:12]} is a tag bump whose source commit is not in this clone "
            f"(shallow checkout?): skip without checking for commits in between"
        )
    human_commits = [
        commit
        for commit in git.commits_between(deployed, head)
        if not is_deploy_only(git, commit, bot_email)
    ]
    if human_commits:
        return EXIT_BUILD, (
            f"{head[:12]} is a tag bump, but {len(human_commits)} commit(s) since {deployed[:12]} "
            f"are not in the deployed image: build"
        )
    return EXIT_SKIP, f"{head[:12]} is a tag bump of {deployed[:12]}: nothing new to build"


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m delivery.loop_guard", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--repo-dir", default=".", help="git work tree (default: .)")
    parser.add_argument("--revision", default="HEAD", help="commit to judge (default: HEAD)")
    parser.add_argument(
        "--bot-email",
        required=True,
        help="committer e-mail of the bot's tag bumps (the tag bump's --author-email)",
    )
    arguments = parser.parse_args(argv)
    try:
        status, reason = decide(Git(arguments.repo_dir), arguments.revision, arguments.bot_email)
    except GitError as error:
        print(f"loop_guard: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"loop_guard: {reason}")
    return status


if __name__ == "__main__":
    sys.exit(main())
