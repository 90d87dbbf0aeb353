import re
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings

from releases.models import Release

VERSION_CELL = re.compile(r'<td class="version"><code>(.*?)</code></td>')


class HomePageTests(TestCase):
    def test_lists_releases_newest_first(self) -> None:
        for version, day in [("v2", 2), ("v3", 3), ("v1", 1)]:
            Release.objects.create(
                version=version, hostname="pod-a", started_at=datetime(2025, 1, day, tzinfo=UTC)
            )

        response = self.client.get("/")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(VERSION_CELL.findall(response.content.decode()), ["v3", "v2", "v1"])

    @override_settings(APP_VERSION="sha-1234abc")
    def test_shows_the_version_serving_the_page(self) -> None:
        response = self.client.get("/")

        self.assertContains(response, "served by version <code>sha-1234abc</code>", html=False)

    def test_says_so_when_nothing_is_recorded(self) -> None:
        response = self.client.get("/")

        self.assertContains(response, "No release recorded yet.")
        self.assertEqual(VERSION_CELL.findall(response.content.decode()), [])


class ReleaseAdminTests(TestCase):
    def test_staff_can_browse_releases(self) -> None:
        Release.objects.create(version="v-admin", hostname="pod-a")
        admin = get_user_model().objects.create_superuser(
            "admin", "admin@example.com", "unused-password"
        )
        self.client.force_login(admin)

        response = self.client.get("/admin/releases/release/")

        self.assertContains(response, "v-admin")
