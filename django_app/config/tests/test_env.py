import os
from unittest import mock

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase

from config.env import env_bool, env_int, env_list, env_str


class EnvStrTests(SimpleTestCase):
    def test_returns_the_value(self) -> None:
        with mock.patch.dict(os.environ, {"SAMPLE": "value"}):
            self.assertEqual(env_str("SAMPLE"), "value")

    def test_empty_variable_falls_back_to_default(self) -> None:
        with mock.patch.dict(os.environ, {"SAMPLE": ""}):
            self.assertEqual(env_str("SAMPLE", "fallback"), "fallback")

    def test_missing_required_variable_names_it(self) -> None:
        with (
            mock.patch.dict(os.environ, clear=True),
            self.assertRaisesMessage(
                ImproperlyConfigured, "The SAMPLE environment variable is required"
            ),
        ):
            env_str("SAMPLE")


class EnvBoolTests(SimpleTestCase):
    def test_reads_true_and_false_words(self) -> None:
        for raw, expected in [
            ("true", True),
            ("1", True),
            ("On", True),
            ("false", False),
            ("0", False),
            ("no", False),
        ]:
            with self.subTest(raw=raw), mock.patch.dict(os.environ, {"SAMPLE": raw}):
                self.assertIs(env_bool("SAMPLE", not expected), expected)

    def test_unset_gives_default(self) -> None:
        with mock.patch.dict(os.environ, clear=True):
            self.assertIs(env_bool("SAMPLE", True), True)

    def test_rejects_other_words(self) -> None:
        with (
            mock.patch.dict(os.environ, {"SAMPLE": "maybe"}),
            self.assertRaisesMessage(
                ImproperlyConfigured, "SAMPLE environment variable must be true or false"
            ),
        ):
            env_bool("SAMPLE", False)


class EnvIntTests(SimpleTestCase):
    def test_reads_integer(self) -> None:
        with mock.patch.dict(os.environ, {"SAMPLE": "42"}):
            self.assertEqual(env_int("SAMPLE", 1), 42)

    def test_rejects_non_integer(self) -> None:
        with (
            mock.patch.dict(os.environ, {"SAMPLE": "ten"}),
            self.assertRaisesMessage(
                ImproperlyConfigured, "SAMPLE environment variable must be an integer"
            ),
        ):
            env_int("SAMPLE", 1)


class EnvListTests(SimpleTestCase):
    def test_splits_on_commas_and_drops_blanks(self) -> None:
        with mock.patch.dict(os.environ, {"SAMPLE": " a.example.com, ,b.example.com "}):
            self.assertEqual(env_list("SAMPLE"), ["a.example.com", "b.example.com"])

    def test_blank_items_only_count_as_missing(self) -> None:
        with (
            mock.patch.dict(os.environ, {"SAMPLE": " , "}),
            self.assertRaisesMessage(
                ImproperlyConfigured, "The SAMPLE environment variable is required"
            ),
        ):
            env_list("SAMPLE")

    def test_unset_gives_default(self) -> None:
        with mock.patch.dict(os.environ, clear=True):
            self.assertEqual(env_list("SAMPLE", ["localhost"]), ["localhost"])
