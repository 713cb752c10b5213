"""The README documents every setting, and the commands CI and users rely on."""

from pathlib import Path

from common.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_in_the_readme_table():
    missing = [f"BOT_{name.upper()}" for name in Settings.model_fields if f"`BOT_{name.upper()}`" not in README]
    assert missing == []


def test_the_two_commands_are_documented():
    assert "make run" in README and "make test" in README
