"""Methodology: what each concept means, how passages are matched to it, and how well."""

import polars as pl
import streamlit as st

from etl.model import QUALITY_ALL
from etl.read.i18n import fmt_share
from pages._common import atlas, database_ready, escape, label, lang, number, t
from pages._comparison import choose_dimension

st.title(t("page.methodology"))
st.caption(t("method.intro"))

if database_ready():
    st.subheader(t("method.how_title"))
    st.markdown(t("method.how_body"))
    st.warning(t("method.caveat"), icon=":material/info:")

    st.subheader(t("method.quality_title"))
    st.caption(t("method.quality_body"))
    quality = atlas().quality()
    overall = quality.filter(pl.col("concept_id") == QUALITY_ALL)
    if overall.is_empty():
        st.info(t("method.no_quality"))
    else:
        measured = overall.row(0, named=True)
        columns = st.columns(3)
        columns[0].metric(t("method.precision"), fmt_share(measured["precision"], lang()))
        columns[1].metric(t("method.recall"), fmt_share(measured["recall"], lang()))
        columns[2].metric(t("method.pairs"), number(measured["support"]))
        per_concept = quality.filter(pl.col("concept_id") != QUALITY_ALL)
        st.dataframe(
            {
                t("method.concept"): [label(row) for row in per_concept.iter_rows(named=True)],
                t("method.precision"): [fmt_share(p, lang()) for p in per_concept["precision"]],
                t("method.recall"): [fmt_share(r, lang()) for r in per_concept["recall"]],
                t("method.support"): per_concept["support"].to_list(),
            },
            hide_index=True,
        )
        st.caption(t("method.small_sample"))

    st.subheader(t("method.concepts_title"))
    dimension = choose_dimension()
    terms = atlas().taxonomy_terms()
    eccar_labels = {
        row["concept_id"]: label(row)
        for row in terms.filter(pl.col("dimension") == "eccar").iter_rows(named=True)
    }
    for term in terms.filter(pl.col("dimension") == dimension).iter_rows(named=True):
        with st.expander(escape(label(term))):
            st.markdown(escape(term["scope_sv"] if lang() == "sv" else term["scope_en"]))
            st.markdown(f"**{t('method.aliases')}:** " + " · ".join(map(escape, term["aliases"])))
            if term["eccar_targets"]:
                targets = " · ".join(escape(eccar_labels[e]) for e in term["eccar_targets"])
                st.markdown(f"**{t('method.crosswalk')}:** {targets}")
