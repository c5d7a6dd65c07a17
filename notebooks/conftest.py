"""Notebooks run against this checkout: the kernels nbmake starts import `figures` from here,
whatever copy is installed (an editable install may point at another work tree)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
os.environ["PYTHONPATH"] = os.pathsep.join([ROOT, *filter(None, [os.environ.get("PYTHONPATH")])])
