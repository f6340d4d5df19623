"""Drive every page through the real router with AppTest and collect what it shows."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }}.pages import PAGES

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def run_every_page(app: AppTest, pages: int = len(PAGES)) -> list[str]:
    """Open the first ``pages`` pages in turn; return the first error each one shows.

    A page that shows an error must also offer a Retry button, and no page may
    raise: the app stays up whatever the data source does.
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
    return errors
