"""Naive: the seed pattern. Read the whole CSV on every rerun, filter and chart in pandas."""

import os

import pandas as pd
import streamlit as st

st.title("Naive")
sales = pd.read_csv(os.environ["BENCHMARK_CSV"], parse_dates=["order_date"])
first, last = sales["order_date"].min().date(), sales["order_date"].max().date()
start, end = st.slider("Date range", min_value=first, max_value=last, value=(first, last))
chosen = sales[sales["order_date"].between(pd.Timestamp(start), pd.Timestamp(end))]
st.metric("Revenue", f"{chosen['revenue'].sum():,.0f}")
st.line_chart(chosen.groupby("order_date")["revenue"].sum())
