"""The bot's git identity as the pipeline commits with it: one grammar for the tag bump, which
refuses anything else, and for the configuration (`gitops.bot_name`, `gitops.bot_email`), which
refuses it before a deploy, so that no value the configuration accepts fails at the bump."""

from __future__ import annotations

import re

AUTHOR_NAME = re.compile(r"[^<>\x00-\x1f]{1,100}")
"""1-100 characters, no '<', '>' or control characters (they would forge an identity line)."""
AUTHOR_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}")


def is_author_name(value: str) -> bool:
    return bool(AUTHOR_NAME.fullmatch(value)) and bool(value.strip())


def is_author_email(value: str) -> bool:
    return bool(AUTHOR_EMAIL.fullmatch(value))
