"""The message of a tag-bump commit, and how to recognise one.

A tag-bump commit ends with two git trailers:

    Source-Commit: <the commit the image was built from>
    Bumped-By: jenkins-tag-bump

`Bumped-By` marks the commit as the bot's, so that the pipeline it triggers builds nothing
(the loop guard); `Source-Commit` lets the loop guard notice human commits that landed
between the built commit and the bump. A promotion's commit (`delivery.promote`) names the
environment the image ran healthy in, `Promoted-From: dev`, between the two.
"""

import re
from collections.abc import Sequence

SUBJECT_PREFIX = "[ci-bump]"
BOT_TRAILER_KEY = "Bumped-By"
BOT_TRAILER_VALUE = "jenkins-tag-bump"
SOURCE_TRAILER_KEY = "Source-Commit"
PROMOTED_FROM_TRAILER_KEY = "Promoted-From"

_TRAILER_LINE = re.compile(r"^(?P<key>[A-Za-z0-9][A-Za-z0-9-]*):\s*(?P<value>.*?)\s*$")


def bump_commit_message(
    values_file: str,
    key: str,
    tag: str,
    source_commit: str,
    subject: str | None = None,
    extra_trailers: Sequence[tuple[str, str]] = (),
) -> str:
    """The message of the commit that sets `key` in `values_file` to `tag`: its subject after
    the prefix is `subject` (default "Deploy image <tag>"), and `extra_trailers` (e.g.
    `Promoted-From: dev`) stand between `Source-Commit` and `Bumped-By`."""
    extra = "".join(f"{name}: {value}\n" for name, value in extra_trailers)
    return (
        f"{SUBJECT_PREFIX} {subject or f'Deploy image {tag}'}\n"
        f"\n"
        f"Set {key} in {values_file} to {tag}.\n"
        f"\n"
        f"{SOURCE_TRAILER_KEY}: {source_commit}\n"
        f"{extra}"
        f"{BOT_TRAILER_KEY}: {BOT_TRAILER_VALUE}\n"
    )


def trailers(message: str) -> dict[str, str]:
    """The trailers of a commit message: its last paragraph, when every line is `Key: value`."""
    paragraphs = [paragraph for paragraph in message.strip().split("\n\n") if paragraph.strip()]
    if len(paragraphs) < 2:
        return {}
    matches = [_TRAILER_LINE.match(line) for line in paragraphs[-1].strip().splitlines()]
    if not all(matches):
        return {}
    return {match["key"]: match["value"] for match in matches}


def is_bot_commit(message: str) -> bool:
    """True when the commit message carries the tag-bump marker trailer."""
    return trailers(message).get(BOT_TRAILER_KEY) == BOT_TRAILER_VALUE


def source_commit(message: str) -> str | None:
    """The commit a tag-bump commit deployed, or None."""
    return trailers(message).get(SOURCE_TRAILER_KEY)
