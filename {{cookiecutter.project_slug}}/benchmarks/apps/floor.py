"""Floor: an empty app with one slider, the least a rerun can cost."""

import datetime as dt

import streamlit as st

from {{ cookiecutter.package_name }}.data.sample import DAYS, START

last = START + dt.timedelta(days=DAYS - 1)
st.slider("Date range", min_value=START, max_value=last, value=(START, last))
