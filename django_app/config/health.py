"""Kubernetes probe endpoints: /healthz (liveness) and /readyz (readiness).

They are served by a middleware placed first in MIDDLEWARE rather than by URL
routes because kubelet probes hit the pod directly over plain HTTP with the pod
IP as Host header: behind the middleware chain they would be redirected to HTTPS
(SECURE_SSL_REDIRECT) or rejected by ALLOWED_HOSTS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"


def liveness() -> JsonResponse:
    """The process serves requests; deliberately ignores the database."""
    return JsonResponse({"status": "ok"})


def readiness() -> JsonResponse:
    """The process can serve real traffic: the database answers a trivial query."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.warning("Readiness check failed: database unreachable", extra={"error": str(error)})
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class HealthCheckMiddleware:
    """Answer the probe paths before any other middleware runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == LIVENESS_PATH:
            return liveness()
        if request.path == READINESS_PATH:
            return readiness()
        return self.get_response(request)
