"""The documented columns and dtypes of the public DataFrames, as pandera schemas the tests check."""

from __future__ import annotations

import pandera.pandas as pa

#: `figures.series(...)` with `freq="W"`: one row per ISO week, Monday to Sunday.
WEEKLY_SERIES_SCHEMA = pa.DataFrameSchema(
    {
        "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}-W\d{2}$"), unique=True),
        "period_start": pa.Column("datetime64[us]", pa.Check(lambda s: (s.dt.day_of_week == 0).all())),
        "period_end": pa.Column("datetime64[us]", pa.Check(lambda s: (s.dt.day_of_week == 6).all())),
        "as_of": pa.Column("datetime64[us]"),
        "low": pa.Column("Int64", pa.Check.ge(0)),
        "best": pa.Column("Int64", nullable=True),
        "high": pa.Column("Int64", nullable=True),
        "envelope_low": pa.Column("Int64", pa.Check.ge(0)),
        "envelope_high": pa.Column("Int64", nullable=True),
        "n_sources": pa.Column("int64", pa.Check.ge(1)),
        "disputed": pa.Column(bool),
        "best_derived": pa.Column(bool),
        "inconsistent": pa.Column(bool),
        "low_from": pa.Column(str),
        "high_from": pa.Column(str),
        "sources": pa.Column(str),
    },
    strict=True, ordered=True,
)
