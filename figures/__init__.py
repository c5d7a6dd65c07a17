"""figures: casualty and refugee figures as honest ranges with provenance.

>>> import figures
>>> store = figures.open_store()                      # SQLite in the user data directory
>>> figures.query("refugees", area="UKR", on="2022-03-01", db=store).best   # the consensus band
>>> figures.series("killed", area="UKR", group="civilians", db=store)     # one row per ISO week
>>> figures.parse_estimate("more than half a million")   # 500,001 to no upper bound, rule more-than
>>> figures.extract(article_text, published="2022-03-02") # every claim, as observations
>>> figures.save_chart(figures.chart("refugees", area="UKR", db=store), "refugees.png")
"""

__version__ = "0.1.0"

from .claims import extract
from .config import ChartConfig, Settings, SourceConfig, SourcesFile, load_sources
from .errors import ConfigError, FiguresError, NormalisationError, ParseError, SourceError, StoreError
from .models import Estimate, Observation, Provenance, Snapshot
from .quantities import parse_estimate
from .query import QueryResult, disputes, observations, query, series
from .store import Store, open_store

__all__ = [
    "ChartConfig",
    "ConfigError",
    "Estimate",
    "FiguresError",
    "NormalisationError",
    "Observation",
    "ParseError",
    "Provenance",
    "QueryResult",
    "Settings",
    "Snapshot",
    "SourceConfig",
    "SourceError",
    "SourcesFile",
    "Store",
    "StoreError",
    "__version__",
    "chart",
    "disputes",
    "extract",
    "load_sources",
    "observations",
    "open_store",
    "parse_estimate",
    "query",
    "save_chart",
    "series",
]


def __getattr__(name: str) -> object:
    """`figures.chart` and `figures.save_chart`, imported on first use (matplotlib is slow to import)."""
    if name in ("chart", "save_chart"):
        from . import charts

        return getattr(charts, name)
    raise AttributeError(f"module 'figures' has no attribute {name!r}")
