"""Entry point: settings gate, page config and the navigation router.

Run with ``streamlit run streamlit_app.py``. The router runs on every rerun and
hands over to the selected page script in ``src/{{ cookiecutter.package_name }}/pages``.
"""

import streamlit as st

from {{ cookiecutter.package_name }} import {{ "access, ui" if cookiecutter.auth != "none" else "ui" }}
from {{ cookiecutter.package_name }}.pages import PAGES

settings = ui.load_settings()
st.set_page_config(page_title=settings.app_title, page_icon=":material/bolt:", layout="wide")
{%- if cookiecutter.auth != "none" %}
access.gate(settings)  # signed out: the sign-in page only, no query, no data
{%- endif %}

navigation = st.navigation(
    [st.Page(page.path, title=page.title, icon=page.icon, url_path=page.url_path) for page in PAGES]
)
st.sidebar.caption(settings.app_title)
{%- if cookiecutter.auth != "none" %}
access.account(settings)  # who is signed in, and a way to sign out
{%- endif %}
navigation.run()
