from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    """Keeps track of which version of the service started on which host."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "releases"
