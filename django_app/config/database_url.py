"""The database settings from a URL: given in DATABASE_URL, or in the file DATABASE_URL_FILE names.

The file is how a deployed pod gets the URL (the chart mounts the Secret that External Secrets
builds from the credentials RDS manages): the kubelet rewrites a mounted Secret when it changes,
and the `config.db` backend reads the file again before each new connection, so a password RDS
rotated reaches the app without a restart.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_int, env_str

POSTGRESQL_ENGINE = "django.db.backends.postgresql"
RELOADING_ENGINE = "config.db"
"""The PostgreSQL backend that reads DATABASE_URL_FILE again before each new connection."""
RELOADED_KEYS = ("USER", "PASSWORD", "HOST", "PORT")
"""What a new connection takes from the file again: the credentials and the endpoint. The
database name and options stay as at start (the test runner renames the database)."""


def parse_database_url(url: str) -> dict[str, Any]:
    """Django's settings for the PostgreSQL database at `url`."""
    database = dj_database_url.parse(
        url,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    if database["ENGINE"] != POSTGRESQL_ENGINE:
        raise ImproperlyConfigured("DATABASE_URL must be a PostgreSQL URL (postgres://...).")
    # A short connect timeout makes /readyz answer 503 quickly when the database is gone.
    database.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 3)
    return database


def read_url_file(path: str) -> str:
    """The URL in the file at `path` (surrounding white space removed)."""
    try:
        url = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured(
            f"DATABASE_URL_FILE={path!r} cannot be read ({error.__class__.__name__}); mount the "
            "Secret holding the URL there, or set DATABASE_URL instead."
        ) from None
    if not url:
        raise ImproperlyConfigured(f"DATABASE_URL_FILE={path!r} is empty.")
    return url


def _digest(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def changed_credentials(settings_dict: dict[str, Any]) -> dict[str, Any]:
    """The `RELOADED_KEYS` of the URL now in the file `settings_dict["URL_FILE"]`, and its digest
    (`URL_FILE_DIGEST`), if the file changed since `settings_dict` took it; else nothing, so
    that what the process itself set in a connection's settings stays."""
    url = read_url_file(settings_dict["URL_FILE"])
    digest = _digest(url)
    if digest == settings_dict.get("URL_FILE_DIGEST"):
        return {}
    database = parse_database_url(url)
    return {**{key: database[key] for key in RELOADED_KEYS}, "URL_FILE_DIGEST": digest}


def database_settings() -> dict[str, Any]:
    """The default database: DATABASE_URL, or DATABASE_URL_FILE (with the reloading backend)."""
    url_file = env_str("DATABASE_URL_FILE", "")
    if not url_file:
        return parse_database_url(env_str("DATABASE_URL"))
    if env_str("DATABASE_URL", ""):
        raise ImproperlyConfigured(
            "Both DATABASE_URL and DATABASE_URL_FILE are set: set one of them."
        )
    url = read_url_file(url_file)
    database = parse_database_url(url)
    database["ENGINE"] = RELOADING_ENGINE
    database["URL_FILE"] = url_file
    database["URL_FILE_DIGEST"] = _digest(url)
    return database
