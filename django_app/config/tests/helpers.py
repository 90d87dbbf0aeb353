"""Helpers shared by the config tests."""

import contextlib
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator

from django.conf import settings

REALISTIC_SECRET_KEY = secrets.token_urlsafe(50)
"""Generated per run: 60+ random characters, as `check --deploy` demands."""


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """Yield a local TCP port on which nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound but not listening: the port stays unused
        yield sock.getsockname()[1]


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter in the project directory, with only the
    given Django-related variables set on top of the current environment."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "APP_", "GUNICORN_"))
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
