"""The server's settings are documented, and `trialdex serve` is wired to them."""

from __future__ import annotations

import pytest

from api.app import ALIAS_SETTING, BACKEND_SETTING, SQLITE_SETTING, app_from_env
from api.auth import API_KEY_SETTING
from parsers.errors import ConfigurationError
from tests.conftest import REPO
from trialdex.cli import build_parser


@pytest.mark.parametrize(
    "setting", [API_KEY_SETTING, BACKEND_SETTING, SQLITE_SETTING, ALIAS_SETTING]
)
def test_every_setting_is_in_the_readme_settings_table(setting: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"| `{setting}` |" in readme


def test_serve_command_takes_its_options() -> None:
    args = build_parser().parse_args(
        ["serve", "--port", "8123", "--backend", "sqlite", "--path", "x.sqlite", "--workers", "2"]
    )
    assert (args.port, args.backend, str(args.path), args.workers) == (
        8123,
        "sqlite",
        "x.sqlite",
        2,
    )
    assert args.host == "127.0.0.1"


def test_a_bad_backend_setting_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKEND_SETTING, "postgres")
    with pytest.raises(ConfigurationError, match="TRIALDEX_BACKEND='postgres'"):
        app_from_env()
