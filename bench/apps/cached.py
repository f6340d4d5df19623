"""Cached: the common advice. ``st.cache_data`` on the CSV loader, then pandas and line_chart."""

import os

import pandas as pd
import streamlit as st


@st.cache_data
def load(path: str) -> pd.DataFrame:
    return pd.read_csv(path, parse_dates=["order_date"])


st.title("Cached")
sales = load(os.environ["BENCHMARK_CSV"])
first, last = sales["order_date"].min().date(), sales["order_date"].max().date()
start, end = st.slider("Date range", min_value=first, max_value=last, value=(first, last))
chosen = sales[sales["order_date"].between(pd.Timestamp(start), pd.Timestamp(end))]
st.metric("Revenue", f"{chosen['revenue'].sum():,.0f}")
st.line_chart(chosen.groupby("order_date")["revenue"].sum())
