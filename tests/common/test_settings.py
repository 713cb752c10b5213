"""Settings checks that span fields."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from common.settings import Settings


@pytest.mark.parametrize(
    ("user", "password", "error"),
    [
        ("ada", None, "Expected both BOT_AUTH_USER and BOT_AUTH_PASSWORD, got only BOT_AUTH_USER"),
        (None, "s3cret", "Expected both BOT_AUTH_USER and BOT_AUTH_PASSWORD, got only BOT_AUTH_PASSWORD"),
        ("ada", "  ", "Expected both BOT_AUTH_USER and BOT_AUTH_PASSWORD, got only BOT_AUTH_USER"),
        ("ada", "s3cret", None),
        (None, None, None),
        ("", "", None),
    ],
)
def test_basic_auth_is_both_halves_or_neither(user, password, error):
    if error is None:
        Settings(_env_file=None, auth_user=user, auth_password=password)
    else:
        with pytest.raises(ValidationError, match=error):
            Settings(_env_file=None, auth_user=user, auth_password=password)


def test_half_configured_auth_from_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("BOT_AUTH_PASSWORD", "s3cret")

    with pytest.raises(ValidationError, match="got only BOT_AUTH_PASSWORD"):
        Settings(_env_file=None)
