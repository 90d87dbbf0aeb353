"""Tell the pipeline whether HEAD needs a build, so the bot's own tag bumps do not loop.

    python -m delivery.loop_guard [--repo-dir .] [--revision HEAD]

Exit status 0: skip the build. HEAD is a tag-bump commit and every commit since the one
    whose image it deploys is a tag bump too: the deployed image already has this code.
Exit status 1: build. HEAD is a human commit, or human commits landed between the built
    commit and the bump (the bump was pushed on top of them after losing a push race, and
    their own build may never run if the queued builds were merged).
Exit status 2: the repository could not be read.
"""

import argparse
import sys
from collections.abc import Sequence

from delivery.commit_marker import is_bot_commit, source_commit
from delivery.git import Git, GitError

EXIT_SKIP = 0
EXIT_BUILD = 1
EXIT_ERROR = 2


def decide(git: Git, revision: str) -> tuple[int, str]:
    """(exit status, one-line reason) for `revision`."""
    head = git.rev_parse(revision)
    message = git.commit_message(head)
    if not is_bot_commit(message):
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
        if not is_bot_commit(git.commit_message(commit))
    ]
    if human_commits:
        return EXIT_BUILD, (
            f"{head[:12]} is a tag bump, but {len(human_commits)} commit(s) since {deployed[:12]} "
            f"are not in the deployed image: build"
        )
    return EXIT_SKIP, f"{head[:12]} is a tag bump of {deployed[:12]}: nothing new to build"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m delivery.loop_guard", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--repo-dir", default=".", help="git work tree (default: .)")
    parser.add_argument("--revision", default="HEAD", help="commit to judge (default: HEAD)")
    arguments = parser.parse_args(argv)
    try:
        status, reason = decide(Git(arguments.repo_dir), arguments.revision)
    except GitError as error:
        print(f"loop_guard: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"loop_guard: {reason}")
    return status


if __name__ == "__main__":
    sys.exit(main())
