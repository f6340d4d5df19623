"""Every page in headless Chromium against a real ``streamlit run`` server.

Selected with ``pytest -m e2e`` (plain ``pytest`` leaves these out). Each page
must render without a Streamlit exception; moving its main slider must change
what the page shows, and only rerun the fragment the slider lives in. The time
from the key press to the updated output is measured in the browser and
reported (``test-artifacts/e2e/latency.json``), never asserted.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from {{ cookiecutter.package_name }}.pages import PAGES, PageSpec

from .conftest import LatencyReport, Server

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.e2e

APP = '[data-testid="stApp"]'
IDLE_APP = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
DIALOG = '[data-testid="stDialog"]'  # e.g. Streamlit's "Page not found"
CHART = '[data-testid="stVegaLiteChart"]'
RENDERED_AT = re.compile(r"page rendered at \d{2}:\d{2}:\d{2}")
TIMEOUT_MS = 30_000

# Arms a watch on the given outputs, checked on every animation frame: an
# output's state is its pixels if it is a canvas (st.dataframe draws on one),
# else its HTML. Resolves, once the app is idle and the outputs have been still
# for 500 ms, with the ms from the next key press to the last change of each
# output (when it reached its final state); rejects after 20 s.
WATCH_OUTPUTS = """(outputs) => {
  const state = ({ selector, index }) => {
    const element = document.querySelectorAll(selector)[index];
    if (!element) return null;
    return element instanceof HTMLCanvasElement ? element.toDataURL() : element.innerHTML;
  };
  const last = outputs.map(state);
  const changedAt = outputs.map(() => null);
  let pressedAt = null;
  let lastChange = 0;
  window.addEventListener("keydown", () => { pressedAt = performance.now(); },
                          { capture: true, once: true });
  window.__e2eWatch = new Promise((resolve, reject) => {
    const started = performance.now();
    const check = () => {
      const now = performance.now();
      if (pressedAt !== null) {
        outputs.forEach((output, i) => {
          const current = state(output);
          if (current !== last[i]) {
            last[i] = current;
            changedAt[i] = now - pressedAt;
            lastChange = now;
          }
        });
      }
      const idle = document.querySelector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]') !== null;
      if (changedAt.every((ms) => ms !== null) && idle && now - lastChange > 500) {
        resolve(changedAt);
      } else if (now - started > 20000) {
        const never = outputs.filter((output, i) => changedAt[i] === null);
        reject(new Error("did not change: " + never.map((output) => output.name).join(", ")));
      } else {
        requestAnimationFrame(check);
      }
    };
    requestAnimationFrame(check);
  });
}"""


@dataclass(frozen=True)
class Output:
    """Something a widget change must update: the ``index``-th match of ``selector``."""

    name: str
    selector: str
    index: int = 0


@dataclass(frozen=True)
class Interaction:
    """A page's main slider: which thumb to move, with which keys, and what must change."""

    slider: str
    thumb: int
    keys: tuple[str, ...]
    outputs: tuple[Output, ...]


INTERACTIONS = {
    # The end thumb of the date range, a page (a tenth of the range) back per press.
    "overview": Interaction(
        slider="Date range",
        thumb=1,
        keys=("PageDown", "PageDown", "PageDown"),
        outputs=(
            Output("Rows metric", '[data-testid="stMetricValue"]'),
            Output("trend chart", CHART),
        ),
    ),
    # Top N from 10 down to 3, then up one at a time.
    "explore": Interaction(
        slider="Top N",
        thumb=0,
        keys=("Home", "ArrowRight", "ArrowRight"),
        outputs=(
            Output("ranking table", '[data-testid="stDataFrame"] canvas'),
            Output("ranking chart", CHART),
        ),
    ),
}


def page_url(server: Server, spec: PageSpec) -> str:
    """The first page is ``st.navigation``'s default, served at the root URL."""
    return f"{server.url}/" if spec == PAGES[0] else f"{server.url}/{spec.url_path}"


def wait_idle(page: Page) -> None:
    page.wait_for_selector(IDLE_APP, timeout=TIMEOUT_MS)


def open_page(page: Page, server: Server, spec: PageSpec) -> None:
    page.goto(page_url(server, spec))
    page.get_by_role("heading", name=spec.title, level=1).wait_for(timeout=TIMEOUT_MS)
    page.locator(CHART).first.locator("svg").first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)


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


def slider_thumb(page: Page, interaction: Interaction) -> Locator:
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=interaction.slider)
    return slider.locator('input[type="range"]').nth(interaction.thumb)


@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
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


def test_every_page_has_an_interaction() -> None:
    pages = sorted(spec.url_path for spec in PAGES)
    assert sorted(INTERACTIONS) == pages, "give every page in PAGES an entry in INTERACTIONS"


@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_slider_updates_the_page_in_its_fragment(
    page: Page,
    streamlit_server: Server,
    artifacts: Path,
    latency_report: LatencyReport,
    spec: PageSpec,
) -> None:
    interaction = INTERACTIONS[spec.url_path]
    open_page(page, streamlit_server, spec)
    header = rendered_at(page)
    # A full rerun a second later would print a new time in the header; a
    # fragment rerun leaves it alone.
    page.wait_for_timeout(1100)
    thumb = slider_thumb(page, interaction)
    thumb.focus()
    outputs = [asdict(output) for output in interaction.outputs]
    for key in interaction.keys:
        value_before = thumb.input_value()
        page.evaluate(WATCH_OUTPUTS, outputs)
        thumb.press(key)
        # Resolves only once every output changed; else fails naming those that did not.
        changed_ms = page.evaluate("window.__e2eWatch")
        assert thumb.input_value() != value_before, f"{key} did not move {interaction.slider}"
        latency_report.add(
            spec.url_path,
            interaction.slider,
            key,
            {output.name: ms for output, ms in zip(interaction.outputs, changed_ms, strict=True)},
        )
    assert rendered_at(page) == header, "the slider reran the whole page, not its fragment"
    assert_healthy(page, streamlit_server)
    widget = interaction.slider.lower().replace(" ", "-")
    screenshot(page, artifacts / f"{spec.url_path}-after-{widget}.png")
