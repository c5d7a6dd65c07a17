"""sources.yaml -> validated models, and settings (paths, tokens) from the environment.

Resolution order of the sources file: `--sources`, `FIGURES_SOURCES`, `./sources.yaml`, then
the default copy shipped in the package. Secrets never live in the file: they come from
environment variables through `Settings`.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import platformdirs
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError
from .models import Group, Metric

PACKAGED_SOURCES = "sources.yaml"


class Settings(BaseSettings):
    """Paths and secrets, from `FIGURES_*` environment variables (or a `.env` file)."""

    model_config = SettingsConfigDict(env_prefix="FIGURES_", env_file=".env", extra="ignore")

    home: Path | None = None
    db: str | None = None
    sources: Path | None = None
    cache_dir: Path | None = None
    contact: str = "figures-maintainers@proton.me"
    #: The largest response a source may send, in MB (2^20 bytes); larger ones are refused.
    max_response_mb: float = Field(default=512, gt=0)
    #: Seconds to wait for a response (connect: a third of it, at most 10 s).
    timeout: float = Field(default=30.0, gt=0)
    #: Tries per request for what is worth retrying (connection errors, 429, 5xx), and the first
    #: wait between them in seconds (it doubles each time; a Retry-After header is honoured).
    retry_attempts: int = Field(default=4, ge=1, le=20)
    retry_backoff: float = Field(default=1.0, ge=0)
    #: Seconds `figures update` waits for another run that is updating the same store (or source).
    lock_timeout: float = Field(default=600.0, ge=0)

    def client_options(self) -> dict[str, Any]:
        """What `build_client` takes from these settings."""
        return {"contact": self.contact, "max_bytes": int(self.max_response_mb * 2**20), "timeout": self.timeout,
                "attempts": self.retry_attempts, "backoff": self.retry_backoff}

    def data_dir(self) -> Path:
        """Where the embedded store lives: `$FIGURES_HOME` or the user data directory."""
        return self.home if self.home else Path(platformdirs.user_data_dir("figures"))

    def http_cache_dir(self) -> Path:
        """Where the HTTP cache lives: `$FIGURES_CACHE_DIR`, `$FIGURES_HOME/cache` or the user cache."""
        if self.cache_dir:
            return self.cache_dir
        if self.home:
            return self.home / "cache"
        return Path(platformdirs.user_cache_dir("figures"))

    def db_url(self, override: str | None = None) -> str:
        """The store's SQLAlchemy URL: `--db`, `$FIGURES_DB`, else SQLite in the data directory."""
        chosen = override or self.db
        if chosen:
            return chosen if "://" in chosen else f"sqlite:///{Path(chosen).expanduser()}"
        return f"sqlite:///{self.data_dir() / 'figures.sqlite'}"


class SourceConfig(BaseModel):
    """One entry of `sources:` in sources.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    adapter: str
    #: A body's name; kept short, as it is part of the keys of the store's indexes (PostgreSQL
    #: refuses an index row over 2,704 bytes).
    publisher: str = Field(min_length=1, max_length=200)
    title: str
    licence: str
    url: str
    area: str = Field(pattern=r"^[A-Z]{3}$")
    cadence: Literal["daily", "weekly", "monthly", "yearly", "irregular"]
    params: dict[str, Any] = Field(default_factory=dict)
    #: How long this source's figures count after their date (default: the `reconcile:` setting,
    #: or a month or a year for monthly and yearly sources).
    stale_after_days: int | None = Field(default=None, ge=0)


class ChartConfig(BaseModel):
    """One entry of `charts:` in sources.yaml: which quantity to draw each week."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    metric: Metric
    area: str = Field(pattern=r"^[A-Z]{3}$")
    group: Group = "all"
    place: str | None = None
    title: str

    @field_validator("place", mode="before")
    @classmethod
    def _place_str(cls, value: Any) -> Any:
        return None if value is None else str(value)


#: The metrics whose figures are running totals that cannot fall (see ReconcileConfig.monotone).
MONOTONE: tuple[Metric, ...] = ("killed", "injured", "casualties")


class ReconcileConfig(BaseModel):
    """The `reconcile:` section of sources.yaml: how conflicting figures are weighed over time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: A stated cumulative figure counts for this many days after its date.
    stale_after_days: int = Field(default=14, ge=0)
    #: Per area (ISO3), the date from which incident figures are summed into running totals.
    count_from: dict[str, date] = Field(default_factory=dict)
    #: The metrics that are running totals and cannot fall; the others (IDPs, refugees hosted,
    #: missing) are stocks, whose bounds are not carried from one date to another.
    monotone: list[Metric] = Field(default_factory=lambda: list(MONOTONE))

    @field_validator("count_from")
    @classmethod
    def _areas(cls, value: dict[str, date]) -> dict[str, date]:
        for area in value:
            if not (len(area) == 3 and area.isalpha() and area.isupper()):
                raise ValueError(f"{area!r} is not an ISO 3166 alpha-3 code such as UKR")
        return value


class SourcesFile(BaseModel):
    """The whole of sources.yaml."""

    model_config = ConfigDict(extra="forbid")

    sources: list[SourceConfig]
    charts: list[ChartConfig] = Field(default_factory=list)
    reconcile: ReconcileConfig = Field(default_factory=ReconcileConfig)
    path: str = "sources.yaml"

    def get(self, source_id: str) -> SourceConfig:
        """The source with this id, or a ConfigError listing the known ids."""
        for source in self.sources:
            if source.id == source_id:
                return source
        known = ", ".join(s.id for s in self.sources)
        raise ConfigError(f"{self.path}: no source {source_id!r}; known sources: {known}")


def resolve_sources_path(explicit: str | Path | None = None) -> Path:
    """The sources file to use: explicit, `$FIGURES_SOURCES`, `./sources.yaml`, packaged default."""
    if explicit:
        return Path(explicit)
    if configured := Settings().sources:  # FIGURES_SOURCES, from the environment or ./.env
        return configured
    local = Path.cwd() / "sources.yaml"
    if local.is_file():
        return local
    return Path(str(resources.files("figures") / "data" / PACKAGED_SOURCES))


def _describe(error: ErrorDetails, raw: dict[str, Any]) -> str:
    loc = list(error["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] in ("sources", "charts") and isinstance(loc[1], int):
        section, index = loc[0], loc[1]
        entries = raw.get(section) or []
        entry = entries[index] if index < len(entries) and isinstance(entries[index], dict) else {}
        label = entry.get("id", f"#{index + 1}")
        kind = "source" if section == "sources" else "chart"
        where = f"{kind} {label!r}"
        loc = loc[2:]
    key = ".".join(str(p) for p in loc) or "(entry)"
    msg = error["msg"]
    if error["type"] == "extra_forbidden":
        msg = "unknown key; remove it or check its spelling"
    elif error["type"] == "missing":
        msg = "missing required key; add it"
    return f"{where + ', ' if where else ''}key {key!r}: {msg}"


def load_sources(path: str | Path | None = None) -> SourcesFile:
    """Load and validate sources.yaml; any mistake raises ConfigError naming file, source and key."""
    from .sources import get_adapter  # late: the registry imports adapters, which import config

    file = resolve_sources_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the sources file ({exc.strerror}); "
                          "pass --sources PATH or set FIGURES_SOURCES") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{file}:{line} is not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}: expected a mapping with a 'sources:' list at the top")
    if "path" in raw:
        raise ConfigError(f"{file}: key 'path': unknown key; remove it or check its spelling")
    try:
        parsed = SourcesFile.model_validate({**raw, "path": str(file)})
    except ValidationError as exc:
        problems = "; ".join(_describe(e, raw) for e in exc.errors())
        raise ConfigError(f"{file}: {problems}") from None
    seen: set[str] = set()
    for source in parsed.sources:
        if source.id in seen:
            raise ConfigError(f"{file}: source {source.id!r} appears twice; ids must be unique")
        seen.add(source.id)
        try:
            adapter = get_adapter(source.adapter)
        except KeyError as exc:
            raise ConfigError(f"{file}: source {source.id!r}, key 'adapter': {exc.args[0]}") from None
        try:
            adapter.Params.model_validate(source.params)
        except ValidationError as exc:
            problems = "; ".join(
                f"key 'params.{'.'.join(str(p) for p in e['loc'])}': "
                + ("unknown key; remove it or check its spelling" if e["type"] == "extra_forbidden"
                   else "missing required key; add it" if e["type"] == "missing" else e["msg"])
                for e in exc.errors()
            )
            raise ConfigError(f"{file}: source {source.id!r}, {problems}") from None
    return parsed
