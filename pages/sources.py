"""Sources: the documents, their metadata, and for a chosen document its passages by kind."""

import polars as pl
import streamlit as st

from etl.errors import InputError
from etl.ingest import ingest_bytes
from etl.model import DOC_KINDS, ITEM_KINDS
from etl.paths import Paths
from pages._common import (
    access_controls,
    atlas,
    change_allowed,
    database_ready,
    date,
    escape,
    from_url,
    localised_columns,
    number,
    t,
    to_url,
)

EXCERPT_CHARS = 110


def kind_label(doc_kind: str) -> str:
    return t(f"doc_kind.{doc_kind}")


st.title(t("page.sources"))
st.caption(t("sources.intro"))

if database_ready():
    documents: pl.DataFrame = atlas().documents()

    st.subheader(t("sources.documents"))
    table = documents.with_columns(
        pl.col("date").map_elements(date, return_dtype=pl.String),
        pl.col("doc_kind").map_elements(kind_label, return_dtype=pl.String),
    )
    st.dataframe(
        localised_columns(
            table,
            {
                "city": "col.city",
                "organ": "col.organ",
                "doc_kind": "col.doc_kind",
                "title": "col.title",
                "date": "col.date",
                "dnr": "col.dnr",
                "relates_to": "col.relates_to",
                "item_count": "col.items",
            },
        ),
        hide_index=True,
    )

    titles = dict(zip(documents["doc_id"], documents["title"], strict=True))
    from_url("doc", list(titles))
    doc_id = st.selectbox(
        t("sources.choose"), list(titles), format_func=lambda d: f"{titles[d]} ({d[:3]})", key="doc"
    )
    to_url("doc")
    document = documents.row(by_predicate=pl.col("doc_id") == doc_id, named=True)
    st.markdown(
        f"**{escape(document['organ'])}** · {escape(document['city'])} · "
        f"{escape(date(document['date']))} · {escape(document['relates_to'] or '')}"
    )
    if document["repaired"]:
        st.info(t("sources.repaired_note"))

    items: pl.DataFrame = atlas().items(doc_id=doc_id)
    st.subheader(t("sources.items_by_kind"))
    if items.is_empty():
        st.info(t("sources.no_items"))
    else:
        kinds = [k for k in ITEM_KINDS if k in set(items["kind"])]
        tabs = st.tabs([f"{t(f'kind.{k}')} ({number((items['kind'] == k).sum())})" for k in kinds])
        for tab, kind in zip(tabs, kinds, strict=True):
            with tab:
                for item in items.filter(pl.col("kind") == kind).iter_rows(named=True):
                    excerpt = item["text"][:EXCERPT_CHARS]
                    more = "…" if len(item["text"]) > EXCERPT_CHARS else ""
                    with st.expander(escape(excerpt) + more):
                        st.markdown(escape(item["text"]))
                        where = " › ".join(x for x in (item["section"], item["subsection"]) if x)
                        st.caption(
                            f"{escape(where)} · {t('col.offsets')} "
                            f"{number(item['char_start'])}–{number(item['char_end'])}"
                        )
                        st.caption(t("sources.passage"))
                        st.code(item["text_raw"], language=None, wrap_lines=True)

    with st.expander(t("sources.full_text")):
        raw_text, repaired_text = atlas().document_text(doc_id)
        show_raw = st.toggle(t("sources.show_raw"), key="raw", bind="query-params")
        st.code(raw_text if show_raw else repaired_text, language=None, wrap_lines=True)

    st.subheader(t("upload.title"))
    may_upload = access_controls()
    if not may_upload:
        st.info(t("upload.locked"))
    with st.form("upload", clear_on_submit=False):
        upload = st.file_uploader(t("upload.file"), type=["txt", "pdf", "docx"])
        left, right = st.columns(2)
        city = left.text_input(t("col.city"), placeholder=", ".join(atlas().cities()))
        new_city = left.checkbox(t("upload.new_city"))
        organ = right.text_input(t("col.organ"))
        doc_kind = right.selectbox(t("col.doc_kind"), DOC_KINDS, format_func=kind_label)
        title = left.text_input(t("col.title"))
        when = right.text_input(t("col.date"), placeholder="2025-01-21")
        dnr = left.text_input(t("col.dnr"))
        relates_to = right.text_input(t("col.relates_to"))
        submitted = st.form_submit_button(t("upload.submit"), disabled=not may_upload)
    if submitted and upload is not None:
        if not change_allowed():
            st.error(t("upload.locked"))
        else:
            try:
                with st.spinner(t("upload.working")):
                    result = ingest_bytes(
                        Paths.from_env(),
                        upload.name,
                        upload.getvalue(),
                        city=city,
                        organ=organ,
                        doc_kind=doc_kind,
                        date=when,
                        title=title,
                        dnr=dnr,
                        relates_to=relates_to,
                        new_city=new_city,
                        progress=lambda _: None,
                    )
            except InputError as error:
                st.error(escape(str(error)))
            else:
                st.session_state["uploaded"] = (result.source_file, result.items)
                st.rerun()
    if "uploaded" in st.session_state:
        name, passages = st.session_state.pop("uploaded")
        st.success(t("upload.done").format(name=escape(name), items=number(passages)))
