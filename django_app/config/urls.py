"""URL routes. /healthz and /readyz are served by config.health.HealthCheckMiddleware."""

from django.contrib import admin
from django.urls import path

from releases.views import release_list

urlpatterns = [
    path("", release_list, name="release-list"),
    path("admin/", admin.site.urls),
]
