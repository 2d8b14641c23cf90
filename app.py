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

# The first page is the landing page.
PAGES = [
    ("pages/overview.py", "page.overview", ":material/dashboard:", "overview"),
    ("pages/city.py", "page.city", ":material/location_city:", "city"),
    ("pages/coverage.py", "page.coverage", ":material/compare:", "coverage"),
    ("pages/eccar.py", "page.eccar", ":material/flag:", "eccar"),
    ("pages/responses.py", "page.responses", ":material/forum:", "responses"),
    ("pages/activities.py", "page.activities", ":material/event_note:", "activities"),
    ("pages/evidence.py", "page.evidence", ":material/manage_search:", "evidence"),
    ("pages/sources.py", "page.sources", ":material/description:", "sources"),
    ("pages/export.py", "page.export", ":material/download:", "export"),
    ("pages/review.py", "page.review", ":material/rule:", "review"),
    ("pages/methodology.py", "page.methodology", ":material/science:", "methodology"),
]

navigation = st.navigation(
    [
        st.Page(path, title=t(title), icon=icon, url_path=url, default=n == 0)
        for n, (path, title, icon, url) in enumerate(PAGES)
    ]
)
navigation.run()
