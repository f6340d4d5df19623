"""Typed session state: defaults, validation, namespacing, reset and widget binding."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

import pytest
from pydantic import Field
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }}.state import PageState, StateTypeError


class FilterState(PageState, namespace="filters"):
    top_n: Annotated[int, Field(ge=3, le=50)] = 10
    ratio: float = 0.5
    regions: list[str] = []  # noqa: RUF012 - PageState copies defaults
    period: tuple[dt.date, dt.date] | None = None
    label: str = "all"


class OtherState(PageState, namespace="other"):
    top_n: int = 99


@pytest.fixture
def store() -> dict[str, Any]:
    return {}


def test_defaults(store: dict[str, Any]) -> None:
    state = FilterState(store)
    assert state.as_dict() == {
        "top_n": 10,
        "ratio": 0.5,
        "regions": [],
        "period": None,
        "label": "all",
    }
    assert store == {}  # reading a default writes nothing


def test_mutable_defaults_are_not_shared(store: dict[str, Any]) -> None:
    FilterState(store).regions.append("North")
    assert FilterState({}).regions == []


def test_assignment_is_validated_and_stored(store: dict[str, Any]) -> None:
    state = FilterState(store)
    state.top_n = 25
    state.period = (dt.date(2024, 1, 1), dt.date(2024, 2, 1))
    assert state.top_n == 25
    assert store["filters.top_n"] == 25
    assert state.period == (dt.date(2024, 1, 1), dt.date(2024, 2, 1))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("top_n", "25"),
        ("top_n", 2.5),
        ("label", 3),
        ("regions", "North"),
        ("regions", [1, 2]),
        ("period", "2024-01-01"),
        ("top_n", 10**9),
        ("top_n", 2),
    ],
)
def test_wrong_type_raises_a_clear_error(store: dict[str, Any], field: str, value: Any) -> None:
    state = FilterState(store)
    with pytest.raises(StateTypeError, match=rf"FilterState\.{field} expects"):
        setattr(state, field, value)
    assert f"filters.{field}" not in store


def test_the_error_names_the_type_not_the_value(store: dict[str, Any]) -> None:
    with pytest.raises(StateTypeError) as caught:
        FilterState(store).label = 123456789  # type: ignore[assignment]
    assert str(caught.value) == (
        "FilterState.label expects str, got int: Input should be a valid string"
    )


@pytest.mark.parametrize(
    ("field", "forged"),
    [
        ("top_n", 10**9),  # the right type, out of bounds
        ("top_n", "10"),
        ("ratio", "0.5"),
        ("regions", "North"),
        ("period", ("2024-01-01", "2024-02-01")),
        ("label", None),
    ],
)
def test_a_forged_stored_value_falls_back_to_the_default_and_is_logged(
    store: dict[str, Any], field: str, forged: Any, caplog: pytest.LogCaptureFixture
) -> None:
    store[f"filters.{field}"] = forged
    with caplog.at_level(logging.WARNING):
        assert getattr(FilterState(store), field) == FilterState.fields[field].default
    assert f"filters.{field}" not in store
    assert f"FilterState.{field} expects" in caplog.text


def test_a_forged_widget_value_is_replaced_by_the_field(store: dict[str, Any]) -> None:
    state = FilterState(store)
    state.top_n = 7
    store["filters.top_n:widget"] = 10**9
    kwargs = state.widget("top_n")
    assert store["filters.top_n:widget"] == 7
    store["filters.top_n:widget"] = -5  # arrives with the next widget change
    kwargs["on_change"]()
    assert state.top_n == 7
    assert store["filters.top_n:widget"] == 7


def test_unknown_field_is_refused(store: dict[str, Any]) -> None:
    with pytest.raises(AttributeError, match="no state field 'colour'"):
        FilterState(store).colour = "red"  # type: ignore[attr-defined]


def test_a_field_without_default_is_a_definition_error() -> None:
    with pytest.raises(TypeError, match="needs a default"):

        class Broken(PageState):
            value: int


def test_keys_are_namespaced(store: dict[str, Any]) -> None:
    first, second = FilterState(store), OtherState(store)
    first.top_n, second.top_n = 3, 2
    assert store == {"filters.top_n": 3, "other.top_n": 2}
    assert first.key("top_n") == "filters.top_n"
    assert first.widget_key("top_n") == "filters.top_n:widget"


def test_reset_restores_defaults(store: dict[str, Any]) -> None:
    state = FilterState(store)
    state.top_n, state.label = 3, "north"
    state.widget("top_n")
    state.reset("label")
    assert (state.top_n, state.label) == (3, "all")
    state.reset()
    assert state.top_n == 10
    assert store == {}


def test_widget_binding_seeds_the_widget_from_the_field(store: dict[str, Any]) -> None:
    state = FilterState(store)
    state.top_n = 7
    kwargs = state.widget("top_n")
    assert kwargs["key"] == "filters.top_n:widget"
    assert store["filters.top_n:widget"] == 7
    store["filters.top_n:widget"] = 12  # what Streamlit does when the user moves it
    kwargs["on_change"]()
    assert state.top_n == 12


def _bound_slider_app() -> None:
    from typing import Annotated

    import streamlit as st
    from pydantic import Field

    from {{ cookiecutter.package_name }}.state import PageState

    top_n_range = Annotated[int, Field(ge=1, le=50)]

    class SliderState(PageState, namespace="demo"):
        top_n: top_n_range = 10  # type: ignore[valid-type]

    state = SliderState()
    if st.session_state.get("show_widget", True):
        st.slider("Top N", 1, 50, **state.widget("top_n"))
    st.button("Reset", on_click=state.reset)
    st.text(f"top_n={state.top_n}")


def test_widget_and_state_stay_in_sync_in_a_running_app() -> None:
    app = AppTest.from_function(_bound_slider_app, default_timeout=30).run()
    assert app.text[0].value == "top_n=10"
    app.slider[0].set_value(33).run()
    assert app.text[0].value == "top_n=33"
    # The widget disappears (e.g. another page): Streamlit drops its key, the field stays.
    app.session_state["show_widget"] = False
    app.run()
    assert app.text[0].value == "top_n=33"
    app.session_state["show_widget"] = True
    app.run()
    assert app.slider[0].value == 33
    app.button[0].click().run()
    assert app.text[0].value == "top_n=10"
    assert app.slider[0].value == 10


@pytest.mark.parametrize("key", ["demo.top_n", "demo.top_n:widget"])
def test_forged_session_state_does_not_crash_a_running_app(key: str) -> None:
    app = AppTest.from_function(_bound_slider_app, default_timeout=30)
    app.session_state[key] = 10**9
    app.run()
    assert not app.exception
    assert app.text[0].value == "top_n=10"
    assert app.slider[0].value == 10
