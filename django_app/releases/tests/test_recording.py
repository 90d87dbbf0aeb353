import socket

from django.db import connection
from django.test import TestCase, override_settings

from releases.models import Release
from releases.recording import record_current_release


@override_settings(APP_VERSION="sha-abc123")
class RecordCurrentReleaseTests(TestCase):
    def test_records_version_and_hostname(self) -> None:
        with self.assertLogs("releases.recording", "INFO"):
            release = record_current_release()

        self.assertEqual(
            list(Release.objects.values_list("version", "hostname")),
            [("sha-abc123", socket.gethostname())],
        )
        self.assertEqual(release, Release.objects.get())
        self.assertIsNotNone(release.started_at)

    def test_each_worker_of_a_host_records_the_same_release_once(self) -> None:
        with self.assertLogs("releases.recording", "INFO"):
            first = record_current_release()
            second = record_current_release()

        self.assertEqual(first, second)
        self.assertEqual(Release.objects.count(), 1)

    def test_a_new_version_is_a_new_release(self) -> None:
        with self.assertLogs("releases.recording", "INFO"):
            record_current_release()
            with override_settings(APP_VERSION="sha-def456"):
                record_current_release()

        self.assertEqual(
            sorted(Release.objects.values_list("version", flat=True)),
            ["sha-abc123", "sha-def456"],
        )

    def test_missing_table_is_logged_not_raised(self) -> None:
        with connection.schema_editor() as editor:
            editor.delete_model(Release)  # rolled back with the test's transaction

        with self.assertLogs("releases.recording", "WARNING") as logs:
            release = record_current_release()

        self.assertIsNone(release)
        self.assertIn("Could not record release", logs.output[0])
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # the enclosing transaction is still usable
