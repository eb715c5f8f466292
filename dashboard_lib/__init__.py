"""Shared library of the Streamlit pages: translations, formatting, queries, charts, URL state.

Pages stay thin and call into here; nothing here builds data (that is the ETL's job)."""
