"""Rights Atlas — the Streamlit app: language switch and navigation.

Navigation is explicit (`st.navigation` with `st.Page`) rather than discovered from `pages/`,
because page titles in the sidebar must switch between Swedish and English.
"""

from pathlib import Path

import streamlit as st

# The helpers the pages share, imported here, once, before any page runs: pages run on many
# sessions' threads at once, and on a cold server seven sessions importing them together once
# found a half-imported module ("cannot import name 'show_chart'").
import pages._charts  # noqa: F401
import pages._comparison  # noqa: F401
from pages._common import framework_texts, t, use_language

# A shipped file: a `:material/…:` page icon makes the browser fetch it from fonts.gstatic.com.
ICON = Path(__file__).with_name("assets") / "icon.svg"

st.set_page_config(page_title="Rights Atlas", page_icon=str(ICON), layout="wide")

# The language is read once per run, not at every text (see `use_language`): from session
# state for the switch's own label, then as the switch says for everything after it.
use_language(None)
with st.sidebar:
    chosen_language = st.segmented_control(
        t("app.language"),
        ["sv", "en"],
        key="lang",
        default="sv",
        required=True,
        bind="query-params",
    )
use_language(chosen_language)

framework_texts()

# The first page is the landing page (also served at the root).
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

# Streamlit serves the default page only at "/" and answers its own path (/overview) with an
# English "Page not found"; so every page keeps its path, and the root is a hidden second entry
# for the landing page.
landing_path, landing_title, landing_icon, _ = PAGES[0]
navigation = st.navigation(
    [st.Page(path, title=t(title), icon=icon, url_path=url) for path, title, icon, url in PAGES]
    + [
        st.Page(
            landing_path,
            title=t(landing_title),
            icon=landing_icon,
            url_path="start",
            default=True,
            visibility="hidden",
        )
    ]
)
navigation.run()
