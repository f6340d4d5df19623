"""Every page in headless Chromium against a real ``streamlit run`` server.

Selected with ``pytest -m e2e`` (plain ``pytest`` leaves these out). Pages come
from ``PAGES`` and widgets are found on each page, so a new page, a page without
sliders or a renamed widget needs no change here. Each page must render without
a Streamlit exception. Every widget, given a new value the way a user would
(keys, clicks, typing), must rerun only its own fragment: the tab asks the
server for that fragment, the header's "page rendered at" time stays, and the
fragment draws something new that shows on the page. The time from the input
to the updated output is measured in the browser and reported
(``test-artifacts/e2e/latency.json``), never asserted.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from {{ cookiecutter.package_name }}.pages import PAGES, PageSpec

from .conftest import LatencyReport, Server, Wire

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.e2e

APP = '[data-testid="stApp"]'
IDLE_APP = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
DIALOG = '[data-testid="stDialog"]'  # e.g. Streamlit's "Page not found"
RENDERED_AT = re.compile(r"page rendered at \d{2}:\d{2}:\d{2}")
TIMEOUT_MS = 30_000
PAGE_IDS = [spec.url_path for spec in PAGES]


# -- giving a widget a new value, by its data-testid --------------------------------------------
# Each returns the input it used, or None when the widget has no other value.


def move_slider(page: Page, widget: Locator) -> str | None:
    """The last thumb a tenth of the range down (up when it is at the bottom)."""
    thumb = widget.locator('input[type="range"]').last
    before = thumb.input_value()
    thumb.focus()
    for key in ("PageDown", "PageUp"):
        thumb.press(key)
        if thumb.input_value() != before:
            return key
    return None


def pick_option(page: Page, widget: Locator) -> str | None:
    field = widget.locator("input")
    current = field.input_value()
    field.click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=TIMEOUT_MS)
    texts = options.all_inner_texts()
    other = next((index for index, text in enumerate(texts) if text != current), None)
    if other is None:
        return None
    options.nth(other).click()
    return "option"


def add_option(page: Page, widget: Locator) -> str | None:
    """Select the first option not selected yet; with all selected, remove the last one."""
    field = widget.locator("input")
    field.click()
    option = page.locator('[role="option"]:not([data-key="__select_all__"])').first
    if option.count():
        option.click()
        return "option"
    page.keyboard.press("Escape")
    field.press("Backspace")
    return "Backspace"


def step_number(page: Page, widget: Locator) -> str | None:
    for name in ("stNumberInputStepUp", "stNumberInputStepDown"):
        button = widget.get_by_test_id(name)
        if button.is_enabled():
            button.click()
            return name.removeprefix("stNumberInput")
    return None


def click_label(page: Page, widget: Locator) -> str | None:
    """Checkboxes and toggles."""
    widget.locator("label").first.click()
    return "click"


def pick_radio(page: Page, widget: Locator) -> str | None:
    other = widget.get_by_test_id("stRadioOption").filter(has=page.locator("input:not(:checked)"))
    if not other.count():
        return None
    other.first.click()
    return "click"


def step_segment(page: Page, widget: Locator) -> str | None:
    """Date and time inputs: the last part (day, minute) one down, then leave the field."""
    segment = widget.get_by_role("spinbutton").last
    segment.click()
    segment.press("ArrowDown")
    widget.get_by_test_id("stWidgetLabel").click()  # leaving the field commits the value
    return "ArrowDown"


def type_text(page: Page, widget: Locator) -> str | None:
    field = widget.locator("input, textarea").first
    field.fill("e2e" if field.input_value() != "e2e" else "e2e again")
    multiline = field.evaluate("(element) => element.tagName") == "TEXTAREA"
    key = "Control+Enter" if multiline else "Enter"  # what commits the text
    field.press(key)
    return key


def click_button(page: Page, widget: Locator) -> str | None:
    widget.locator("button").first.click()
    return "click"


INTERACTIONS: dict[str, Callable[[Page, Locator], str | None]] = {
    "stSlider": move_slider,  # st.slider and st.select_slider
    "stSelectbox": pick_option,
    "stMultiSelect": add_option,
    "stNumberInput": step_number,
    "stCheckbox": click_label,  # st.checkbox and st.toggle
    "stRadio": pick_radio,
    "stDateInput": step_segment,
    "stTimeInput": step_segment,
    "stTextInput": type_text,
    "stTextArea": type_text,
    "stButton": click_button,
}
# Widgets found so that a page using one fails with a pointer to INTERACTIONS.
OTHER_WIDGETS = (
    "stAudioInput",
    "stButtonGroup",
    "stCameraInput",
    "stChatInput",
    "stColorPicker",
    "stDateTimeInput",
    "stDownloadButton",
    "stFeedback",
    "stFileUploader",
    "stMenuButton",
    "stPagination",
)
WIDGET = ", ".join(f'[data-testid="{name}"]' for name in (*INTERACTIONS, *OTHER_WIDGETS))
ROOTS = '[data-testid="stMain"], [data-testid="stSidebarUserContent"]'

# Numbers the visible widgets of the page in order (data-e2e-widget) and
# returns [data-testid, label] for each. Widgets in a closed expander or another
# tab are not visible; the AppTest suite still changes them.
FIND_WIDGETS = """([roots, selector]) => {
  const found = [];
  for (const root of document.querySelectorAll(roots)) {
    for (const element of root.querySelectorAll(selector)) {
      const outer = element.parentElement.closest(selector);
      if ((outer && root.contains(outer)) || !element.getClientRects().length) continue;
{%- if cookiecutter.auth == "oidc" %}
      if (element.closest(".st-key-_auth_sign_out")) continue;  // signs out: AppTest tests it
{%- endif %}
      element.setAttribute("data-e2e-widget", found.length);
      const label = element.querySelector('[data-testid="stWidgetLabel"], button');
      found.push([element.dataset.testid, (label ? label.innerText : "").trim()]);
    }
  }
  return found;
}"""

# Arms a watch on everything the page shows besides its widgets. An output's
# state is its HTML, or the pixels of its canvases if it has any (st.dataframe
# draws on one). Only outputs that changed are looked at again: a
# MutationObserver notes the ones whose DOM changed, and a wrapper around the 2D
# canvas drawing calls the ones drawn on; on the next animation frame (the one
# that paints the change) their state is compared with the last one seen. Looking
# at every output on every frame costs a frame's worth of main-thread time on
# a table page (hashing every canvas) and so delayed the very rendering it timed.
# The clock starts at the latest key press or click before the first change.
# Resolves once the app is idle and the page has been still for 500 ms (1.5 s
# when nothing changed) with the ms from the input to each changed output's final
# state, and whether anything ends up different from before; gives up (settled:
# false) after 20 s.
WATCH_PAGE = """([roots, widget]) => {
  const kinds = ["stMetric", "stVegaLiteChart", "stDataFrame", "stTable", "stJson",
                 "stAlert", "stException", "stHeading", "stCaption", "stMarkdown"];
  const box = '[data-testid="stElementContainer"]';
  const app = document.querySelector('[data-testid="stApp"]');
  const pixels = (canvas) => {
    const context = canvas.width && canvas.height ? canvas.getContext("2d") : null;
    if (!context) return "";
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const words = new Uint32Array(image.data.buffer);
    let hash = 0;
    for (const word of words) hash = (hash * 31 + word) | 0;
    return hash;
  };
  const state = (element) => {
    const canvases = element.querySelectorAll("canvas");
    return canvases.length ? Array.from(canvases, pixels).join() : element.innerHTML;
  };
  const outputs = () => {
    const counts = {};
    const found = [];
    for (const root of document.querySelectorAll(roots)) {
      for (const element of root.querySelectorAll(box)) {
        if (element.querySelector(widget)) continue;
        const kind = kinds.find((k) => element.querySelector(`[data-testid="${k}"]`)) || "stOutput";
        counts[kind] = (counts[kind] || 0) + 1;
        found.push([`${kind.slice(2)} ${counts[kind]}`, element]);
      }
    }
    return found;
  };
  const initial = new Map(outputs().map(([name, element]) => [name, state(element)]));
  const last = new Map(outputs().map(([, element]) => [element, state(element)]));
  const dirty = new Set();
  const note = (node) => {
    const element = (node.nodeType === 1 ? node : node.parentElement)?.closest(box);
    if (element) dirty.add(element);
  };
  let moved = false;  // outputs came or went: the ones after them have new names
  const outputsIn = (node) => node.nodeType === 1
    ? [...(node.matches(box) ? [node] : []), ...node.querySelectorAll(box)] : [];
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      note(record.target);
      for (const node of record.addedNodes) {
        for (const element of outputsIn(node)) { dirty.add(element); moved = true; }
      }
      for (const node of record.removedNodes) if (outputsIn(node).length) moved = true;
    }
  });
  const everything = { subtree: true, childList: true, attributes: true, characterData: true };
  document.querySelectorAll(roots).forEach((root) => observer.observe(root, everything));
  const canvas = CanvasRenderingContext2D.prototype;
  const drawing = ["clearRect", "fillRect", "strokeRect", "fill", "stroke", "fillText",
                   "strokeText", "drawImage", "putImageData"];
  const originals = drawing.map((name) => canvas[name]);
  const drawnOn = new Set();
  drawing.forEach((name, index) => {
    canvas[name] = function (...args) {
      drawnOn.add(this.canvas);
      return originals[index].apply(this, args);
    };
  });
  let inputAt = null;
  let lastChange = null;
  const changedAt = new Map();
  let movedAt = null;
  const input = () => { if (lastChange === null) inputAt = performance.now(); };
  window.addEventListener("keydown", input, { capture: true });
  window.addEventListener("click", input, { capture: true });
  window.__e2eWatch = new Promise((resolve) => {
    const started = performance.now();
    const finish = (settled) => {
      window.removeEventListener("keydown", input, { capture: true });
      window.removeEventListener("click", input, { capture: true });
      observer.disconnect();
      drawing.forEach((name, index) => { canvas[name] = originals[index]; });
      const changed = outputs().filter(([name, element]) => initial.get(name) !== state(element));
      resolve({
        settled,
        changed: changed.map(([name]) => name),
        changedAt: Object.fromEntries(
          changed.map(([name, element]) => [name, changedAt.get(element) ?? movedAt])),
      });
    };
    const check = () => {
      const now = performance.now();
      drawnOn.forEach((drawn) => drawn.isConnected && note(drawn));
      drawnOn.clear();
      if (inputAt !== null) {
        for (const element of dirty) {
          if (!element.isConnected || element.querySelector(widget)) continue;
          const current = state(element);
          if (last.get(element) !== current) {
            last.set(element, current);
            changedAt.set(element, now - inputAt);
            lastChange = now;
          }
        }
        dirty.clear();
        if (moved) {
          movedAt = now - inputAt;
          lastChange = now;
          moved = false;
        }
      }
      const idle = app.dataset.testScriptState === "notRunning";
      const quiet = lastChange === null ? 1500 : 500;
      if (inputAt !== null && idle && now - (lastChange ?? inputAt) > quiet) {
        finish(true);
      } else if (now - started > 20000) {
        finish(false);
      } else {
        requestAnimationFrame(check);
      }
    };
    requestAnimationFrame(check);
  });
}"""


# Widgets load their code on first use (a skeleton shows meanwhile); charts draw
# after the run.
DRAWN = """() => !document.querySelector('[data-testid^="stSkeleton"]')
  && Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
       .every((chart) => chart.querySelector("svg, canvas"))"""


@dataclass(frozen=True)
class Outcome:
    """What one widget change did."""

    action: str
    requests: list[str]  # fragment ids the tab asked to rerun ("" = the whole page)
    drawn: bool  # the server drew new content in one of those fragments
    shown: list[str]  # outputs that look different on the page
    changed_ms: dict[str, float]


def page_url(server: Server, spec: PageSpec) -> str:
    """The first page is ``st.navigation``'s default, served at the root URL."""
    return f"{server.url}/" if spec == PAGES[0] else f"{server.url}/{spec.url_path}"


def wait_idle(page: Page) -> None:
    page.wait_for_selector(IDLE_APP, timeout=TIMEOUT_MS)


def open_page(page: Page, server: Server, spec: PageSpec) -> float:
    """Open ``spec`` in a new session and wait until it is fully drawn; return when."""
    page.goto(page_url(server, spec))
    page.get_by_role("heading", name=spec.title, level=1).wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    page.wait_for_function(DRAWN, timeout=TIMEOUT_MS)
    return time.monotonic()


def assert_healthy(page: Page, server: Server) -> None:
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).all_inner_texts()
    assert page.locator(DIALOG).count() == 0, page.locator(DIALOG).all_inner_texts()
    assert page.locator(APP).get_attribute("data-test-connection-state") == "CONNECTED"
    # No traceback, and no warning (an unknown config key, a deprecation) at start-up.
    log = server.log()
    assert not re.search(r"Traceback|\b(WARNING|ERROR|CRITICAL)\b", log), log


def rendered_at(page: Page) -> str:
    return page.get_by_text(RENDERED_AT).inner_text()


def screenshot(page: Page, path: Path) -> None:
    """The whole page: the viewport grows to the content, which scrolls inside ``stMain``."""
    main = page.locator('[data-testid="stMain"]')
    height = main.evaluate("(element) => element.scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": max(height, 600)})
    wait_idle(page)
    page.screenshot(path=path)


def find_widgets(page: Page) -> list[tuple[str, str]]:
    return page.evaluate(FIND_WIDGETS, [ROOTS, WIDGET])


def change_widget(page: Page, wire: Wire, index: int) -> Outcome | None:
    """Give the ``index``-th widget a new value and record what followed (None: no other value)."""
    kind, label = find_widgets(page)[index]
    interact = INTERACTIONS.get(kind)
    assert interact is not None, (
        f"no way to change a {kind} ({label!r}) in the browser: "
        "add one to INTERACTIONS in tests/e2e/test_browser.py"
    )
    requests, changes, finished = len(wire.requests), len(wire.changes), wire.finished
    page.evaluate(WATCH_PAGE, [ROOTS, WIDGET])
    action = interact(page, page.locator(f'[data-e2e-widget="{index}"]'))
    if action is None:
        return None
    seen: dict[str, Any] = page.evaluate("window.__e2eWatch")
    assert seen["settled"], "the page did not settle within 20 s"
    untimed = [name for name, ms in seen["changedAt"].items() if ms is None]
    assert not untimed, f"{untimed} changed, but the watch never saw when (not a 2D canvas?)"
    if page.get_by_role("listbox").count():
        page.keyboard.press("Escape")  # close a dropdown left open
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while wire.finished == finished and time.monotonic() < deadline:
        page.wait_for_timeout(20)  # lets Playwright deliver the last websocket frames
    asked = wire.requests[requests:]
    return Outcome(
        action=action,
        requests=asked,
        drawn=any(fragment in asked for fragment in wire.changes[changes:]),
        shown=seen["changed"],
        changed_ms=seen["changedAt"],
    )


@pytest.mark.parametrize("spec", PAGES, ids=PAGE_IDS)
def test_page_renders_without_errors(
    page: Page, streamlit_server: Server, artifacts: Path, spec: PageSpec
) -> None:
    open_page(page, streamlit_server, spec)
    assert RENDERED_AT.search(rendered_at(page))
    # .streamlit/config.toml is in force: XSRF protection sets its cookie.
    assert "_streamlit_xsrf" in {cookie["name"] for cookie in page.context.cookies()}
    nav = page.locator('[data-testid="stSidebarNav"]')
    for other in PAGES:
        assert nav.get_by_text(other.title, exact=True).count() == 1
    assert_healthy(page, streamlit_server)
    screenshot(page, artifacts / f"{spec.url_path}.png")


@pytest.mark.parametrize("spec", PAGES, ids=PAGE_IDS)
def test_every_widget_reruns_only_its_fragment(
    page: Page,
    wire: Wire,
    streamlit_server: Server,
    artifacts: Path,
    latency_report: LatencyReport,
    spec: PageSpec,
) -> None:
    """Widgets are changed in page order, each from the state the ones before left.

    A widget whose change draws nothing new there (a "Top N" above the number of
    groups another widget chose) is tried again on a new session of the page.
    """
    opened = open_page(page, streamlit_server, spec)
    widgets = find_widgets(page)
    for index, (kind, label) in enumerate(widgets):
        what = f"{spec.title}: {kind.removeprefix('st')} {label!r}"
        for fresh in (False, True):
            if fresh:
                opened = open_page(page, streamlit_server, spec)
            header = rendered_at(page)
            # A full rerun a second later would print a new time in the header.
            page.wait_for_timeout(max(0, 1100 - (time.monotonic() - opened) * 1000))
            outcome = change_widget(page, wire, index)
            if outcome is None:
                break  # nothing else to choose, e.g. a selectbox with one option
            assert outcome.requests, (
                f"{what}: {outcome.action} did not rerun anything (is it in an st.form?)"
            )
            assert all(outcome.requests), (
                f"{what} reran the whole page: put it inside an @st.fragment"
            )
            assert rendered_at(page) == header, f"{what} reran the page header"
            assert_healthy(page, streamlit_server)
            if kind == "stButton" or (outcome.drawn and outcome.shown):
                break
        else:
            pytest.fail(
                f"{what}: {outcome.action} reran its fragment but changed nothing on the page "
                f"(drawn new content: {outcome.drawn}, visible changes: {outcome.shown})"
            )
        if outcome is not None and outcome.changed_ms:
            widget = f"{kind.removeprefix('st')} {label}"
            latency_report.add(spec.url_path, widget, outcome.action, outcome.changed_ms)
    if widgets:
        screenshot(page, artifacts / f"{spec.url_path}-after-widgets.png")
