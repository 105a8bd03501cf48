"""`core.config`: one precedence for every setting, and the README's table made from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import config
from parsers.errors import ConfigurationError
from tests.conftest import REPO


def test_readme_settings_table_is_the_generated_one() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    # Regenerate with: python -m core.config README.md
    assert readme == config.readme_with_settings_table(readme)


def test_every_setting_has_one_row_and_a_unique_name() -> None:
    table = config.settings_table()
    for spec in config.SETTINGS:
        assert sum(line.startswith(f"| {spec.key} |") for line in table.splitlines()) == 1
    envs = [s.env for s in config.SETTINGS if s.env]
    assert len(envs) == len(set(envs))


def test_explicit_beats_variable_beats_environment_beats_default(tmp_path: Path) -> None:
    env = {"TRIALDEX_HOME": str(tmp_path / "env")}
    variables = {"trialdex_data_dir": str(tmp_path / "variable")}
    assert config.load(environ={}).data_dir == config.default_data_dir().resolve()
    assert config.load(environ=env).data_dir == tmp_path / "env"
    assert config.load(environ=env, variables=variables.get).data_dir == tmp_path / "variable"
    explicit = config.load({"data_dir": tmp_path / "flag"}, environ=env, variables=variables.get)
    assert explicit.data_dir == tmp_path / "flag"


def test_paths_follow_the_data_directory_unless_set(tmp_path: Path) -> None:
    settings = config.load(environ={"TRIALDEX_HOME": str(tmp_path)})
    assert settings.raw_dir("ctgov") == tmp_path / "raw" / "ctgov"
    assert settings.sqlite_path == tmp_path / "trialdex.sqlite"
    assert settings.backend == "sqlite"
    moved = config.load(
        environ={"TRIALDEX_HOME": str(tmp_path), "TRIALDEX_SQLITE": str(tmp_path / "x.db")}
    )
    assert moved.sqlite_path == tmp_path / "x.db"


def test_an_elasticsearch_url_chooses_elasticsearch_and_is_masked_in_logs() -> None:
    settings = config.load(environ={"ELASTICSEARCH_URL": "https://u:secret@es.example:9200/"})
    assert settings.backend == "es"
    assert settings.elasticsearch_url == "https://u:secret@es.example:9200"
    assert "secret" not in settings.describe_index()


def test_a_bad_backend_names_where_it_came_from() -> None:
    with pytest.raises(ConfigurationError, match="TRIALDEX_BACKEND='solr'"):
        config.load(environ={"TRIALDEX_BACKEND": "solr"})
    with pytest.raises(ConfigurationError, match="backend='solr'"):
        config.load({"backend": "solr"}, environ={})


def test_the_corpus_is_found_without_any_machine_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIALDEX_CORPUS", raising=False)
    assert config.corpus_dir() == REPO.parent / "shared" / "corpus"
    monkeypatch.setenv("TRIALDEX_CORPUS", "/elsewhere/corpus")
    assert config.corpus_dir() == Path("/elsewhere/corpus")
