"""Methodology: what each concept means, how passages are matched to it, and how well.

The accuracy figures are out of sample (benchmarks/evaluate_mapping.py): each with its 95 %
interval, and "too few to say" where a concept has fewer labelled pairs than make a figure
mean anything.
"""

from typing import Any

import polars as pl
import streamlit as st

from etl.model import MAPPING_BASES, QUALITY_ALL, TOO_FEW_PAIRS
from etl.read.i18n import fmt_share
from etl.read.query import DIMENSIONS
from pages._common import atlas, database_ready, escape, label, lang, number, t, table
from pages._comparison import choose_dimension, dimension_name


def with_interval(row: dict[str, Any], measure: str) -> str:
    """ "81 % (74–87 %)", or "too few to say" where the figure was withheld."""
    value = row[measure]
    if row["support"] < TOO_FEW_PAIRS:
        return t("method.too_few")
    if value is None:
        return fmt_share(value, lang())
    low, high = row[f"{measure}_low"], row[f"{measure}_high"]
    if low is None or high is None:
        return fmt_share(value, lang())
    return f"{fmt_share(value, lang())} ({fmt_share(low, lang())}–{fmt_share(high, lang())})"


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
        for column, measure in zip(columns, ("precision", "recall"), strict=False):
            column.metric(t(f"method.{measure}"), fmt_share(measured[measure], lang()))
            low, high = measured[f"{measure}_low"], measured[f"{measure}_high"]
            if low is not None and high is not None:
                interval = f"{fmt_share(low, lang())}–{fmt_share(high, lang())}"
                column.caption(f"{t('method.interval')}: {interval}")
        columns[2].metric(t("method.pairs"), number(measured["support"]))

        st.markdown(f"**{t('method.by_dimension')}**")
        by_dimension = [
            row
            for dimension in DIMENSIONS
            for row in quality.filter(pl.col("concept_id") == dimension).iter_rows(named=True)
        ]
        table(
            pl.DataFrame(
                {
                    t("method.dimension"): [dimension_name(r["concept_id"]) for r in by_dimension],
                    t("method.precision"): [with_interval(r, "precision") for r in by_dimension],
                    t("method.recall"): [with_interval(r, "recall") for r in by_dimension],
                    t("method.support"): [r["support"] for r in by_dimension],
                }
            )
        )
        st.markdown(f"**{t('method.by_concept')}**")
        per_concept = [r for r in quality.iter_rows(named=True) if r["dimension"] is not None]
        table(
            pl.DataFrame(
                {
                    t("method.concept"): [label(r) for r in per_concept],
                    t("method.precision"): [with_interval(r, "precision") for r in per_concept],
                    t("method.recall"): [with_interval(r, "recall") for r in per_concept],
                    t("method.support"): [r["support"] for r in per_concept],
                }
            )
        )
        st.subheader(t("method.trust_title"))
        st.markdown(t("method.trust_body"))

    st.subheader(t("method.bases_title"))
    st.markdown("\n".join(f"- {t(f'method.basis.{basis}')}" for basis in MAPPING_BASES))

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
