from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from releases.models import Release
from releases.recording import current_hostname

RECENT_RELEASES_SHOWN = 50


def release_list(request: HttpRequest) -> HttpResponse:
    """Home page: the most recent releases, newest first."""
    context = {
        "releases": Release.objects.order_by("-started_at", "-id")[:RECENT_RELEASES_SHOWN],
        "current_version": settings.APP_VERSION,
        "current_hostname": current_hostname(),
    }
    return render(request, "releases/release_list.html", context)
