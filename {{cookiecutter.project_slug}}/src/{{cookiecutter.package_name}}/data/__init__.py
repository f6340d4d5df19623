"""Data access: one configured source per process, behind the ``DataSource`` interface."""

from __future__ import annotations

from ..cache import cached_resource
from ..settings import get_settings
from .base import DataSource, DataSourceError, Domain, Filters, Health, Schema, choose_grain
from .{{ cookiecutter.data_source }}_source import connect

__all__ = [
    "DataSource",
    "DataSourceError",
    "Domain",
    "Filters",
    "Health",
    "Schema",
    "choose_grain",
    "get_source",
]


@cached_resource("resources", show_spinner="Connecting to the data...")
def get_source() -> DataSource:
    """The app's data source, shared by every session (a failure is not cached)."""
    return connect(get_settings())
