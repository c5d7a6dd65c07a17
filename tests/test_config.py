"""sources.yaml -> validated models, where the file comes from, and settings from the environment.

Each broken file below is the real sources.yaml with one mistake a person editing it could make.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from figures.config import Settings, SourcesFile, load_sources, resolve_sources_path
from figures.errors import ConfigError
from figures.sources import unhcr_odp


@pytest.fixture
def real_yaml(repo_root: Path) -> str:
    return (repo_root / "sources.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(real_yaml: str, old: str, new: str) -> str:
    """The real sources.yaml with the first `old` replaced by `new` (which must be there)."""
    assert old in real_yaml, f"{old!r} is no longer in sources.yaml; update this test"
    return real_yaml.replace(old, new, 1)


def test_the_real_sources_file_loads(repo_root: Path) -> None:
    config = load_sources(repo_root / "sources.yaml")
    ids = [s.id for s in config.sources]
    assert ids[:2] == ["unhcr-ukraine-crossings", "unhcr-ukraine-by-country"] and len(ids) == len(set(ids))
    # the Russia-Ukraine configuration covers every kind of source issue 4 names
    assert {s.adapter for s in config.sources} >= {"unhcr-odp", "ohchr", "reliefweb", "unhcr-rdf", "hdx-hapi",
                                                    "iom-dtm"}
    crossings = config.get("unhcr-ukraine-crossings")
    assert crossings.adapter == "unhcr-odp"
    assert crossings.area == "UKR"
    params = unhcr_odp.Params.model_validate(crossings.params)
    assert (params.endpoint, params.sv_id, params.population_group, params.scope) == (
        "timeseries", 54, "5457", "incident")
    by_country = unhcr_odp.Params.model_validate(config.get("unhcr-ukraine-by-country").params)
    assert (by_country.endpoint, by_country.population_group, by_country.scope) == (
        "sublocation", "5459,5460", "cumulative")
    assert [(c.id, c.metric, c.group, c.area) for c in config.charts] == [
        ("refugees-ukraine", "refugees", "all", "UKR"), ("idps-ukraine", "idps", "all", "UKR"),
        ("civilians-killed-ukraine", "killed", "civilians", "UKR"),
        ("civilians-injured-ukraine", "injured", "civilians", "UKR"), ("refugees-sudan", "refugees", "all", "SDN"),
        ("idps-sudan", "idps", "all", "SDN"), ("killed-sudan", "killed", "all", "SDN")]
    assert config.path == str(repo_root / "sources.yaml")


def test_get_an_unknown_source_lists_the_known_ones(sources_file: SourcesFile) -> None:
    with pytest.raises(ConfigError, match="no source 'unhcr-ukrain'; known sources: unhcr-ukraine-crossings, "
                                          "unhcr-ukraine-by-country"):
        sources_file.get("unhcr-ukrain")


def test_packaged_copy_is_byte_identical(repo_root: Path) -> None:
    top = (repo_root / "sources.yaml").read_bytes()
    packaged = (repo_root / "figures" / "data" / "sources.yaml").read_bytes()
    assert packaged == top, "figures/data/sources.yaml differs from sources.yaml; copy the top-level file over"


# --- mistakes, each named by file, source and key ---------------------------------------------

def test_unknown_key_names_file_source_and_key(tmp_path: Path, real_yaml: str) -> None:
    path = write(tmp_path, edited(real_yaml, "    cadence: daily\n", "    cadence: daily\n    licnece: CC-BY\n"))
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert str(path) in message
    assert "source 'unhcr-ukraine-crossings'" in message
    assert "key 'licnece'" in message
    assert "unknown key; remove it or check its spelling" in message


def test_unknown_top_level_key(tmp_path: Path, real_yaml: str) -> None:
    path = write(tmp_path, real_yaml + "\nsettings:\n  colour: red\n")
    with pytest.raises(ConfigError, match=r"key 'settings': unknown key"):
        load_sources(path)


def test_missing_field_names_the_source_and_key(tmp_path: Path, real_yaml: str) -> None:
    text = edited(real_yaml, '    licence: "UNHCR Operational Data Portal terms of use; attribute UNHCR"\n', "")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert str(path) in message
    assert "source 'unhcr-ukraine-crossings', key 'licence': missing required key; add it" in message
    assert "unhcr-ukraine-by-country" not in message  # the other source is fine


def test_unknown_adapter_lists_the_known_ones(tmp_path: Path, real_yaml: str) -> None:
    path = write(tmp_path, edited(real_yaml, "adapter: unhcr-odp", "adapter: unhcr-opd"))
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert str(path) in message
    assert "source 'unhcr-ukraine-crossings', key 'adapter'" in message
    assert "unknown adapter 'unhcr-opd'" in message
    assert ("known adapters: acled, csv, hdx-hapi, iom-dtm, ohchr, reliefweb, text, ucdp-ged, unhcr-odp, "
            "unhcr-rdf") in message


def test_bad_adapter_param_is_named_with_its_params_prefix(tmp_path: Path, real_yaml: str) -> None:
    path = write(tmp_path, edited(real_yaml, "      frequency: day\n", "      frequency: day\n      typo: 1\n"))
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert str(path) in message
    assert "source 'unhcr-ukraine-crossings', key 'params.typo': unknown key" in message


def test_bad_adapter_param_value(tmp_path: Path, real_yaml: str) -> None:
    path = write(tmp_path, edited(real_yaml, "      endpoint: timeseries\n", "      endpoint: timeline\n"))
    with pytest.raises(ConfigError, match=r"source 'unhcr-ukraine-crossings', key 'params.endpoint': .*timeseries"):
        load_sources(path)


def test_a_publisher_too_long_for_an_index_is_refused(tmp_path: Path, real_yaml: str) -> None:
    path = write(tmp_path, edited(real_yaml, "    publisher: UNHCR\n", f"    publisher: {'U' * 201}\n"))
    with pytest.raises(ConfigError, match=r"source 'unhcr-ukraine-crossings', key 'publisher': .*200 characters"):
        load_sources(path)


def test_missing_adapter_param(tmp_path: Path, real_yaml: str) -> None:
    path = write(tmp_path, edited(real_yaml, "      scope: incident\n", ""))
    with pytest.raises(ConfigError, match=r"key 'params.scope': missing required key; add it"):
        load_sources(path)


def test_invalid_yaml_names_the_line(tmp_path: Path, real_yaml: str) -> None:
    lines = real_yaml.splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.startswith("    publisher: UNHCR"))
    lines[number] = '    publisher: "UNHCR\n'  # an unclosed quote
    path = write(tmp_path, "".join(lines))
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert str(path) in message
    assert "is not valid YAML" in message
    found = re.search(r"line (\d+)", message)
    assert found, message
    # PyYAML reports where it noticed the unclosed quote: on or just after the broken line
    assert number + 1 <= int(found.group(1)) <= number + 3


def test_tab_indentation_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n\t- id: x\n")
    with pytest.raises(ConfigError, match=r"line 2 is not valid YAML"):
        load_sources(path)


def test_duplicate_id(tmp_path: Path, real_yaml: str) -> None:
    path = write(tmp_path, edited(real_yaml, "id: unhcr-ukraine-by-country", "id: unhcr-ukraine-crossings"))
    with pytest.raises(ConfigError, match=r"source 'unhcr-ukraine-crossings' appears twice; ids must be unique"):
        load_sources(path)


@pytest.mark.parametrize("text", ["- id: x\n  adapter: unhcr-odp\n", "just words\n", "", "42\n"],
                         ids=["list", "scalar", "empty", "number"])
def test_file_that_is_not_a_mapping(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=re.escape(f"{path}: expected a mapping with a 'sources:' list")):
        load_sources(path)


def test_unreadable_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read the sources file .*pass --sources PATH or set FIGURES_SOURCES"):
        load_sources(tmp_path / "nowhere.yaml")


# --- where the file comes from ----------------------------------------------------------------

def two_files(tmp_path: Path, real_yaml: str) -> tuple[Path, Path]:
    """Two valid files told apart by the first source's id."""
    explicit = write(tmp_path, edited(real_yaml, "id: unhcr-ukraine-crossings", "id: from-explicit"), "explicit.yaml")
    env = write(tmp_path, edited(real_yaml, "id: unhcr-ukraine-crossings", "id: from-env"), "env.yaml")
    write(tmp_path, edited(real_yaml, "id: unhcr-ukraine-crossings", "id: from-cwd"), "sources.yaml")
    return explicit, env


def test_explicit_path_beats_everything(tmp_path: Path, real_yaml: str, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit, env = two_files(tmp_path, real_yaml)
    monkeypatch.setenv("FIGURES_SOURCES", str(env))
    assert resolve_sources_path(explicit) == explicit
    assert load_sources(explicit).sources[0].id == "from-explicit"


def test_environment_beats_working_directory(tmp_path: Path, real_yaml: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _, env = two_files(tmp_path, real_yaml)
    monkeypatch.setenv("FIGURES_SOURCES", str(env))
    assert resolve_sources_path() == env
    assert load_sources().sources[0].id == "from-env"


def test_working_directory_beats_packaged_default(tmp_path: Path, real_yaml: str) -> None:
    two_files(tmp_path, real_yaml)
    assert resolve_sources_path() == tmp_path / "sources.yaml"
    assert load_sources().sources[0].id == "from-cwd"


def packaged_default() -> Path:
    """The sources.yaml inside the imported package (the checkout, or site-packages in CI)."""
    import figures

    return (Path(figures.__file__).parent / "data" / "sources.yaml").resolve()


def test_packaged_default_is_last(repo_root: Path) -> None:
    path = resolve_sources_path()
    assert path.resolve() == packaged_default()
    assert path.read_bytes() == (repo_root / "sources.yaml").read_bytes()
    assert load_sources().sources[0].id == "unhcr-ukraine-crossings"


def test_a_directory_named_sources_yaml_is_not_picked_up(tmp_path: Path, repo_root: Path) -> None:
    (tmp_path / "sources.yaml").mkdir()
    assert resolve_sources_path().resolve() == packaged_default()


# --- PyYAML traps -----------------------------------------------------------------------------

def test_unquoted_population_group_still_reads_as_text(tmp_path: Path, real_yaml: str) -> None:
    text = edited(real_yaml, 'population_group: "5457"', "population_group: 5457")
    assert yaml.safe_load(text)["sources"][0]["params"]["population_group"] == 5457  # the trap is real
    config = load_sources(write(tmp_path, text))
    params = unhcr_odp.Params.model_validate(config.sources[0].params)
    assert params.population_group == "5457"
    assert "population_group=5457" in unhcr_odp.request_url(params)


def test_unquoted_group_list_stays_a_list_of_ids(tmp_path: Path, real_yaml: str) -> None:
    text = edited(real_yaml, 'population_group: "5459,5460"', "population_group: 5459,5460")
    config = load_sources(write(tmp_path, text))
    assert unhcr_odp.Params.model_validate(config.sources[1].params).population_group == "5459,5460"


def test_quoted_sv_id_reads_as_a_number(tmp_path: Path, real_yaml: str) -> None:
    config = load_sources(write(tmp_path, edited(real_yaml, "sv_id: 54", 'sv_id: "54"')))
    assert unhcr_odp.Params.model_validate(config.sources[0].params).sv_id == 54


def test_numeric_chart_place_reads_as_text(tmp_path: Path, real_yaml: str) -> None:
    chart = '    area: UKR\n    title: "Refugees'
    text = edited(real_yaml, chart, chart.replace("title:", "place: 1244\n    title:"))
    assert load_sources(write(tmp_path, text)).charts[0].place == "1244"


# --- Settings ---------------------------------------------------------------------------------

def test_db_url_from_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGURES_DB", str(tmp_path / "elsewhere" / "f.sqlite"))
    assert Settings().db_url() == f"sqlite:///{tmp_path / 'elsewhere' / 'f.sqlite'}"


def test_db_url_expands_the_home_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    monkeypatch.setenv("FIGURES_DB", "~/f.sqlite")
    assert Settings().db_url() == f"sqlite:///{tmp_path / 'me' / 'f.sqlite'}"


def test_db_url_passes_a_url_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGURES_DB", "postgresql+psycopg://figures@db.example.org/figures")
    assert Settings().db_url() == "postgresql+psycopg://figures@db.example.org/figures"


def test_db_url_defaults_to_figures_home(tmp_path: Path) -> None:
    # the autouse fixture set FIGURES_HOME=tmp_path and removed FIGURES_DB
    assert Settings().db_url() == f"sqlite:///{tmp_path / 'figures.sqlite'}"
    assert Settings().http_cache_dir() == tmp_path / "cache"


def test_explicit_db_beats_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGURES_DB", str(tmp_path / "env.sqlite"))
    assert Settings().db_url(str(tmp_path / "flag.sqlite")) == f"sqlite:///{tmp_path / 'flag.sqlite'}"


def test_without_figures_home_the_user_data_directory_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("FIGURES_HOME")
    expected = Path(platformdirs.user_data_dir("figures")) / "figures.sqlite"
    assert Settings().db_url() == f"sqlite:///{expected}"


def test_a_dot_env_file_in_the_working_directory_sets_the_store(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"FIGURES_DB={tmp_path / 'from-dotenv.sqlite'}\n", encoding="utf-8")
    assert Settings().db_url() == f"sqlite:///{tmp_path / 'from-dotenv.sqlite'}"


def test_a_dot_env_file_can_choose_the_sources_file(tmp_path: Path, real_yaml: str) -> None:
    chosen = write(tmp_path, edited(real_yaml, "id: unhcr-ukraine-crossings", "id: from-dotenv"), "chosen.yaml")
    (tmp_path / ".env").write_text(f"FIGURES_SOURCES={chosen}\n", encoding="utf-8")
    assert Settings().sources == chosen
    assert resolve_sources_path() == chosen
