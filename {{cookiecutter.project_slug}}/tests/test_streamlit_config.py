"""`.streamlit/config.toml`: every key is an option of the installed Streamlit, well typed.

Streamlit only logs a warning for an unknown key (a typo, or an option a new
version renamed) and carries on with the default, so a wrong key silently drops a
production setting. The browser tests also check that ``streamlit run`` logs no
warning with this file in place.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit
from streamlit import config

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"


def flatten(table: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in table.items():
        if isinstance(value, dict) and f"{prefix}{key}" not in config.get_config_options():
            yield from flatten(value, f"{prefix}{key}.")  # a section, not a table-valued option
        else:
            yield f"{prefix}{key}", value


SETTINGS = dict(flatten(tomllib.loads(CONFIG.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("name", SETTINGS)
def test_every_key_is_a_current_streamlit_option(name: str) -> None:
    option = config.get_config_options().get(name)
    assert option is not None, f"{name} is not an option of Streamlit {streamlit.__version__}"
    assert not option.deprecated, f"{name} is deprecated: {option.deprecation_text}"
    value = SETTINGS[name]
    if option.multiple:
        assert isinstance(value, list), name
    elif isinstance(option.default_val, dict):  # e.g. server.trustedUserHeaders
        assert isinstance(value, dict), name
    else:
        assert type(value) is option.type, f"{name} should be a {option.type.__name__}"


def test_protections_stay_on() -> None:
    assert SETTINGS["server.enableXsrfProtection"] is True
    assert SETTINGS["server.enableCORS"] is True
    assert SETTINGS["browser.gatherUsageStats"] is False
    assert SETTINGS["client.showErrorDetails"] == "none"
