"""Floor: an empty app with one slider, the least a rerun can cost.

It imports nothing but Streamlit; the benchmark passes the dataset's date range.
"""

import datetime as dt
import os

import streamlit as st

first = dt.date.fromisoformat(os.environ["BENCHMARK_FIRST_DATE"])
last = dt.date.fromisoformat(os.environ["BENCHMARK_LAST_DATE"])
st.slider("Date range", min_value=first, max_value=last, value=(first, last))
