"""Records, at process start, which version of the service runs on this host."""

from __future__ import annotations

import logging
import socket

from django.conf import settings
from django.db import DatabaseError, transaction

from releases.models import Release

logger = logging.getLogger(__name__)


def current_hostname() -> str:
    """The host name; in Kubernetes, the pod name."""
    return socket.gethostname()


def record_current_release() -> Release | None:
    """Record settings.APP_VERSION on this host, once per (version, host) pair.

    Every gunicorn worker calls this; the unique constraint makes the calls after
    the first one no-ops. Never raises on database errors (database down, table
    not migrated yet): the service must start anyway, so the error is logged and
    None returned.
    """
    version, hostname = settings.APP_VERSION, current_hostname()
    try:
        # A savepoint keeps a failure from breaking an enclosing transaction.
        with transaction.atomic():
            release, created = Release.objects.get_or_create(version=version, hostname=hostname)
    except DatabaseError as error:
        logger.warning(
            "Could not record release",
            extra={"version": version, "hostname": hostname, "error": str(error)},
        )
        return None
    logger.info(
        "Recorded release",
        extra={"version": version, "hostname": hostname, "newly_recorded": created},
    )
    return release
