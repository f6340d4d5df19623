"""Drive every page through the real router with AppTest and collect what it shows.

Pages come from ``PAGES`` and widgets are found on the rendered page, so a new
page, a page without sliders or a renamed widget needs no change here. A widget
type without a rule in ``NEW_VALUES`` fails the tests with the place to add one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from streamlit.proto.Slider_pb2 import Slider as SliderProto
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Element, Widget
{% if cookiecutter.auth == "oidc" %}
from {{ cookiecutter.package_name }}.auth import SIGN_OUT_KEY
{%- endif %}
from {{ cookiecutter.package_name }}.pages import PAGES, PageSpec

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CLOCK = re.compile(rb"\d{2}:\d{2}(:\d{2})?")  # header and live captions say when they ran
EPOCH = dt.datetime(1970, 1, 1)
BUTTONS = {"button", "download_button"}  # no value to keep: a click is the interaction


def open_page(app: AppTest, page: PageSpec) -> AppTest:
    """Run the app, switch to ``page`` and check that it ran without an exception."""
    app.run()
    app.switch_page(os.path.relpath(page.path, PROJECT_ROOT)).run()
    assert not app.exception, app.exception
    return app


def problems(app: AppTest) -> list[str]:
    """Exceptions and error boxes the last run showed."""
    return [f"exception: {e.message}" for e in app.exception] + [
        f"st.error: {e.value}" for e in app.error
    ]


def run_every_page(app: AppTest, pages: int = len(PAGES)) -> list[str]:
    """Open the first ``pages`` pages in turn; return the first error each one shows.

    A page that shows an error must also offer a Retry button, and no page may
    raise: the app stays up whatever the data source does. When some pages show
    an error, those that show none (pages that read no data, such as an About
    page) are left out; when none does, every page's entry is "".
    """
    errors = []
    for number, page in enumerate(PAGES[:pages]):
        if number == 0:
            app.run()  # the default page
        else:
            app.switch_page(os.path.relpath(page.path, PROJECT_ROOT)).run()
        assert not app.exception, app.exception
        errors.append(app.error[0].value if app.error else "")
        if app.error:
            assert any(button.label == "Retry" for button in app.button), page.title
    return [error for error in errors if error] or errors


def interactive_widgets(app: AppTest) -> list[Widget]:
    """Every enabled widget the last run drew, sidebar first, in page order."""
    return [
        node
        for root in (app.sidebar, app.main)
        for node in root
{%- if cookiecutter.auth == "oidc" %}
        if isinstance(node, Widget)
        and not getattr(node.proto, "disabled", False)
        and node.key != SIGN_OUT_KEY  # it ends the session: tests/test_sign_in.py presses it
{%- else %}
        if isinstance(node, Widget) and not getattr(node.proto, "disabled", False)
{%- endif %}
    ]


def outputs(app: AppTest) -> list[bytes]:
    """What the page shows besides its widgets, with clock times in captions blanked out."""
    shown = []
    for root in (app.sidebar, app.main):
        for node in root:
            if isinstance(node, Element) and not isinstance(node, Widget):
                content = node.proto.SerializeToString(deterministic=True)
                shown.append(CLOCK.sub(b"<time>", content) if node.type == "caption" else content)
    return shown


def describe(widget: Widget) -> str:
    return f"{widget.type} {getattr(widget, 'label', '')!r}"


# -- valid values each widget type does not have yet, most telling first --------------------


def _others(options: Sequence[Any], current: Any) -> list[Any]:
    return [option for option in options if option != current]


def _slider(widget: Any) -> list[Any]:
    """The lower end, the middle and the upper end of the range, in the slider's own type."""
    proto = widget.proto
    step = proto.step or 1
    middle = proto.min + step * ((proto.max - proto.min) // step // 2)
    low, mid, high = (_slider_value(proto.data_type, u) for u in (proto.min, middle, proto.max))
    if isinstance(widget.value, tuple | list):
        return _others([(low, mid), (mid, high), (low, high)], tuple(widget.value))
    return _others([low, mid, high], widget.value)


def _slider_value(data_type: int, units: float) -> Any:
    """A slider position (its widget-state units) as the value the script gets."""
    if data_type == SliderProto.INT:
        return int(units)
    moment = EPOCH + dt.timedelta(microseconds=units)
    if data_type == SliderProto.DATE:
        return moment.date()
    if data_type == SliderProto.DATETIME:
        return moment
    if data_type == SliderProto.TIME:
        return moment.time()
    return float(units)


def _select_slider(widget: Any) -> list[Any]:
    options = widget.options
    if isinstance(widget.value, tuple | list):
        middle = options[len(options) // 2]
        ranges = [(options[0], middle), (middle, options[-1])]
        return _others(ranges, tuple(widget.value))
    return _others(options, widget.value)


def _choice(widget: Any) -> list[Any]:
    return _others(widget.options, None if widget.index is None else widget.options[widget.index])


def _multiselect(widget: Any) -> list[Any]:
    chosen = list(widget.values)
    missing = [option for option in widget.options if option not in chosen]
    if missing and (not widget.max_selections or len(chosen) < widget.max_selections):
        return [[*chosen, option] for option in missing]
    return [chosen[:-1]] if chosen else []


def _number(widget: Any) -> list[Any]:
    if widget.value is None:
        return [widget.min if widget.min is not None else 0]
    return [
        candidate
        for candidate in (widget.value + widget.step, widget.value - widget.step)
        if (widget.min is None or candidate >= widget.min)
        and (widget.max is None or candidate <= widget.max)
    ]


def _date(widget: Any) -> list[Any]:
    """A day earlier or later (the end of a range), within the widget's bounds."""
    day = dt.timedelta(days=1)
    value = widget.value
    if value is None:
        return [widget.min]
    if isinstance(value, tuple | list):
        start, end = value if len(value) == 2 else (value[0], value[0])
        return [(start, new) for new in (end - day, end + day) if start <= new <= widget.max]
    return [new for new in (value - day, value + day) if widget.min <= new <= widget.max]


def _time(widget: Any) -> list[Any]:
    if widget.value is None:
        return [dt.time(12, 0)]
    moment = dt.datetime.combine(dt.date(2000, 1, 2), widget.value)
    step = dt.timedelta(seconds=widget.step or 900)
    return [(moment + step).time(), (moment - step).time()]


def _text(widget: Any) -> list[Any]:
    return _others(["e2e", "e2e again"], widget.value)


NEW_VALUES: dict[str, Callable[[Any], list[Any]]] = {
    "slider": _slider,
    "select_slider": _select_slider,
    "selectbox": _choice,
    "radio": _choice,
    "multiselect": _multiselect,
    "number_input": _number,
    "checkbox": lambda widget: [not widget.value],
    "toggle": lambda widget: [not widget.value],
    "date_input": _date,
    "time_input": _time,
    "text_input": _text,
    "text_area": _text,
    "chat_input": _text,
    "color_picker": lambda widget: _others(["#ff4b4b", "#1c83e1"], widget.value),
    "button": lambda widget: [True],
    "download_button": lambda widget: [True],
}
TRIES = 3  # new values tried per widget before "changed nothing" fails


def new_values(widget: Widget) -> list[Any]:
    """Valid values ``widget`` does not have yet (empty: it has no other value)."""
    rule = NEW_VALUES.get(widget.type)
    assert rule is not None, (
        f"no rule to give a {describe(widget)} a new value: add one to NEW_VALUES "
        "in tests/app_pages.py"
    )
    return rule(widget)[:TRIES]


def give_new_value(widget: Widget) -> bool:
    """Set the first of ``new_values``; False when the widget has no other value."""
    values = new_values(widget)
    if values:
        widget.set_value(values[0])
    return bool(values)
{%- if cookiecutter.auth == "oidc" %}


VIEWER = {"is_logged_in": True, "email": "test@example.com", "sub": "test-user"}
"""Who the app's sessions are signed in as (st.login); conftest's rules show them every row."""
PROVIDER = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-only-cookie-secret",
    "client_id": "tests",
    "client_secret": "test-only-client-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
"""An ``[auth]`` section, so "Sign out" leads to a working sign-in page (never contacted)."""
{%- elif cookiecutter.auth == "trusted_header" %}


VIEWER = {"email": "test@example.com"}
"""Who the app's sessions are signed in as (the proxy's header); conftest's rules show them
every row."""
{%- endif %}


def fresh_app() -> AppTest:
    """A new session of the app, as a new browser tab would start."""
{%- if cookiecutter.auth != "none" %}
    app = AppTest.from_file(str(PROJECT_ROOT / "streamlit_app.py"), default_timeout=30)
    app.user = dict(VIEWER)
{%- if cookiecutter.auth == "oidc" %}
    app.secrets["auth"] = dict(PROVIDER)
{%- endif %}
    return app
{%- else %}
    return AppTest.from_file(str(PROJECT_ROOT / "streamlit_app.py"), default_timeout=30)
{%- endif %}


def widget_by_id(app: AppTest, widget_id: str, missing: str = "") -> Widget:
    """The widget with this id in the last run (ids survive reruns; labels may not)."""
    found = next((w for w in interactive_widgets(app) if w.id == widget_id), None)
    assert found is not None, missing or f"widget {widget_id} is not on the page"
    return found


def exercise_widgets(page: PageSpec) -> None:
    """Give every widget on ``page`` new values, checking the page after each one.

    Each widget starts from the page as a new session shows it (what one widget
    changes cannot hide what another does). After each new value the page must
    run without an exception or error box and the widget must keep the value;
    one of its new values must change something else on the page (buttons, which
    have no value, only have to run cleanly).
    """
    for widget_id in [w.id for w in interactive_widgets(open_page(fresh_app(), page))]:
        app = open_page(fresh_app(), page)
        widget = widget_by_id(app, widget_id)
        what = f"{page.title}: {describe(widget)}"
        values = new_values(widget)
        if not values:
            continue  # nothing else to choose, e.g. a selectbox with one option
        before = outputs(app)
        changed = False
        for value in values:
            widget.set_value(value)
            expected = widget._widget_state  # what the browser would send
            app.run()
            assert not problems(app), f"{what} = {value!r}: {problems(app)}"
            widget = widget_by_id(app, widget_id, f"{what} disappeared (give it a key)")
            if widget.type not in BUTTONS:
                assert widget._widget_state == expected, (
                    f"{what} did not keep {value!r} (is it in an st.form?)"
                )
            changed = widget.type in BUTTONS or outputs(app) != before
            if changed:
                break
        assert changed, f"{what}: none of {values!r} changed anything else on the page"
