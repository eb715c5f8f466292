"""The floor of bench/pages_bench.py: a bare Streamlit page with one Plotly chart and one widget.

    streamlit run bench/floor_page.py      # served the same way as the dashboard for the browser figures

No warehouse, no navigation, no translation: the least any page of the dashboard that draws a chart must do
(a script run, one widget, one figure built and sent). The selectbox gives the floor a "filter change" too.
"""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

SERIES = {"growth": [7.0, 7.5, 8.0, 8.7, 8.9, 9.0, 9.9], "share": [29.0, 36.5, 38.0, 41.5, 42.3, 42.0, 50.0]}
NAMES = ["Bình Thuận", "Hậu Giang", "Hải Phòng", "Quảng Ngãi", "Thanh Hóa", "Cả nước", "Hà Nội"]

st.title("Floor")
series = st.selectbox("Series", list(SERIES), key="floor_series")
figure = go.Figure(go.Scatter(x=SERIES[series], y=NAMES, mode="markers"))
figure.update_layout(title=dict(text=series), height=400)
st.plotly_chart(figure, key="floor_chart")
