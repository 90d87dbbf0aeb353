from django.db import models
from django.utils import timezone


class Release(models.Model):
    """A version of the service that started on a host (pod), recorded at start-up."""

    version = models.CharField(max_length=128, help_text="Image tag or git SHA (APP_VERSION).")
    hostname = models.CharField(
        max_length=255, help_text="Host the process ran on; the pod name in Kubernetes."
    )
    started_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "hostname"], name="unique_release_per_host"),
        ]

    def __str__(self) -> str:
        return f"{self.version} on {self.hostname}"
