"""Speed and load measurements of this app on a real server{% if cookiecutter.data_source == "duckdb" %} and under AppTest{% endif %}.

{% if cookiecutter.data_source == "duckdb" -%}
* ``python -m benchmarks --rows 2000000 20000000 --json benchmark.json``: the
  benchmark (``bench.py``): floor, naive, cached and this app side by side.
{% endif -%}
* ``python -m benchmarks.load --sessions 50 --duration 60``: the load test
  (``load.py``): concurrent browser-like sessions against a real server.
* ``driver.py``: the real-server driver (``streamlit run`` on loopback, driven
  over its websocket the way a browser does).
"""
