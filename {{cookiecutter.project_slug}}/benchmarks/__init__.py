"""How fast this app answers, measured on a real server.

* ``python -m benchmarks.latency``: the latency check (``latency.py``): every
  widget on every page changed on a real server, each held to a budget
  (``LATENCY_BUDGET_MS``); tests/test_latency.py runs it in CI.
* ``python -m benchmarks.load --sessions 50 --duration 60``: the load test
  (``load.py``): concurrent browser-like sessions against a real server.
* ``driver.py``: the real-server driver both use (``streamlit run`` or
  ``python asgi.py`` on loopback, driven over its websocket the way a browser
  does). It speaks Streamlit's private protocol, so it runs only on the
  Streamlit versions it was checked on (``TESTED_STREAMLIT``).

The template's own benchmark (the generated app on every engine, against naive
and cached apps) lives in the template repository, not here.
"""
