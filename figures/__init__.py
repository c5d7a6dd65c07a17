"""figures: casualty and refugee figures as honest ranges with provenance."""

__version__ = "0.1.0"
