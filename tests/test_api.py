"""The public Python surface: `import figures` and the README's example."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

import figures


def test_all_is_sorted_flat_and_every_name_exists():
    assert figures.__all__ == sorted(figures.__all__)
    assert len(set(figures.__all__)) == len(figures.__all__)
    for name in figures.__all__:
        assert hasattr(figures, name), name


def test_the_documented_entry_points_are_public():
    for name in ("Estimate", "Observation", "Provenance", "open_store", "query", "series", "observations"):
        assert name in figures.__all__


def test_readme_python_example_runs(offline_store, repo_root: Path, monkeypatch):
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    code = re.search(r"## From Python\n\n```python\n(.*?)```", readme, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # the example uses the default store
    answer = namespace["answer"]
    assert (answer.low, answer.best, answer.high) == (819_228, 819_228, 819_228)
    assert [f.source_ids for f in answer.figures] == [("unhcr-ukraine-crossings",)]
    weekly = namespace["weekly"]
    assert isinstance(weekly, pd.DataFrame) and weekly["period"].iloc[0] == "2022-W08"
    assert isinstance(namespace["disputes"], pd.DataFrame)


def test_observations_returns_a_new_frame_each_call(offline_store):
    first = figures.observations(offline_store)
    first.loc[0, "low"] = -1
    assert figures.observations(offline_store).loc[0, "low"] == 79_982
