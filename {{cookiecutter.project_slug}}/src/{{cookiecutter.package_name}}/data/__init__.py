"""Data access: one configured source per process, behind the ``DataSource`` interface."""

from __future__ import annotations

from ..cache import cached_resource
from ..settings import get_settings
from .base import (
    MISSING,
    DataSource,
    DataSourceError,
    Domain,
    Filters,
    Health,
    Schema,
    Totals,
    choose_grain,
    label,
    measure_title,
)
from .{{ cookiecutter.data_source }}_source import connect

__all__ = [
    "MISSING",
    "DataSource",
    "DataSourceError",
    "Domain",
    "Filters",
    "Health",
    "Schema",
    "Totals",
    "choose_grain",
    "get_source",
    "label",
    "measure_title",
]


@cached_resource("resources", show_spinner="Connecting to the data...")
def get_source() -> DataSource:
    """The app's data source, shared by every session (a failure is not cached)."""
    return connect(get_settings())
