"""The app's pages: scripts run by ``st.navigation``, listed once in ``PAGES``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).parent


@dataclass(frozen=True)
class PageSpec:
    script: str
    title: str
    icon: str
    url_path: str

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.script


PAGES = (
    PageSpec("overview.py", "Overview", ":material/monitoring:", "overview"),
    PageSpec("explore.py", "Explore", ":material/table_chart:", "explore"),
)
