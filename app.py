"""Rights Atlas — the Streamlit app: language switch and navigation.

Navigation is explicit (`st.navigation` with `st.Page`) rather than discovered from `pages/`,
because page titles in the sidebar must switch between Swedish and English.
"""

import streamlit as st

from pages._common import t

st.set_page_config(page_title="Rights Atlas", page_icon=":material/balance:", layout="wide")

with st.sidebar:
    st.segmented_control(
        t("app.language"),
        ["sv", "en"],
        key="lang",
        default="sv",
        required=True,
        bind="query-params",
    )

PAGES = [
    ("pages/sources.py", "page.sources", ":material/description:", "sources"),
]

navigation = st.navigation(
    [st.Page(path, title=t(title), icon=icon, url_path=url) for path, title, icon, url in PAGES]
)
navigation.run()
