"""Sources: the documents, their metadata, and for a chosen document its passages by kind."""

import polars as pl
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from etl.errors import InputError
from etl.ingest import MAX_FILE_BYTES, ingest_bytes, ingest_messages, remove, replace_document
from etl.model import DOC_KINDS, ITEM_KINDS, SKIP_REASONS
from etl.paths import Paths
from etl.read import i18n
from etl.read.charts import in_words
from etl.read.query import ItemFilter
from pages._common import (
    access_controls,
    atlas,
    change_allowed,
    database_ready,
    date,
    document_names,
    error_text,
    escape,
    from_url,
    lang,
    localised_columns,
    number,
    t,
    table,
    to_url,
)

EXCERPT_CHARS = 110
FILE_TYPES = ("txt", "pdf", "docx")
MAX_UPLOAD_MB = MAX_FILE_BYTES // 2**20  # the browser refuses what ingest would refuse


def share(value: float) -> str:
    return i18n.fmt_share(value, lang())


def kind_label(doc_kind: str) -> str:
    return t(f"doc_kind.{doc_kind}")


def show_upload(may_upload: bool) -> None:
    """The form that adds one document, and what became of the last upload."""
    st.subheader(t("upload.title"))
    if not may_upload:
        st.info(t("upload.locked"))
    with st.form("upload", clear_on_submit=False):
        upload = st.file_uploader(
            t("upload.file").format(limit=number(MAX_UPLOAD_MB)),
            type=list(FILE_TYPES),
            max_upload_size=MAX_UPLOAD_MB,
            # Disabled while changes are locked, so the browser sends no file to be held.
            disabled=not may_upload,
        )
        left, right = st.columns(2)
        city = left.text_input(t("col.city"), placeholder=", ".join(atlas().cities()))
        new_city = left.checkbox(t("upload.new_city"))
        organ = right.text_input(t("col.organ"))
        doc_kind = right.selectbox(t("col.doc_kind"), DOC_KINDS, format_func=kind_label)
        title = left.text_input(t("col.title"))
        when = right.text_input(t("col.date"), placeholder=t("upload.date_example"))
        dnr = left.text_input(t("col.dnr"))
        relates_to = right.text_input(t("col.relates_to"))
        submitted = st.form_submit_button(t("upload.submit"), disabled=not may_upload)
    if submitted and upload is None:
        st.error(t("upload.no_file"))
    elif submitted and upload is not None:
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
                st.error(error_text(error))
            else:
                st.session_state["uploaded"] = result
                st.rerun()
    if "uploaded" in st.session_state:
        for level, key, values in ingest_messages(st.session_state.pop("uploaded")):
            shown = {
                "name": escape(str(values["name"])),
                "items": number(int(str(values["items"]))),
                "share": share(float(str(values["share"]))),
                "kinds": ", ".join(
                    f"{t(f'kind.{k}').lower()}: {number(n)}"
                    for k, n in values["kinds"].items()  # type: ignore[attr-defined]
                ),
            }
            (st.success if level == "success" else st.warning)(t(key).format(**shown))


def show_remove_or_replace(names: dict[str, str], may_change: bool) -> None:
    """Take a document out, or put a new version in its place, after a confirmation.

    Both go through the same all-or-nothing transaction as an upload; review decisions on the
    passages that disappear stay in the review file and are reported as no longer applying.
    `names` are the documents as `document_names` words them.
    """
    st.subheader(t("change.title"))
    st.caption(t("change.intro"))
    with st.form("change"):
        doc_id = st.selectbox(
            t("change.document"), list(names), format_func=lambda d: names[d], key="change_doc"
        )
        action = st.radio(
            t("change.action"),
            ("replace", "remove"),
            format_func=lambda a: t(f"change.action.{a}"),
            horizontal=True,
            key="change_action",
        )
        new_file = st.file_uploader(
            t("change.file").format(limit=number(MAX_UPLOAD_MB)),
            type=list(FILE_TYPES),
            max_upload_size=MAX_UPLOAD_MB,
            key="change_file",
        )
        sure = st.checkbox(t("change.confirm"), key="change_sure")
        submitted = st.form_submit_button(t("change.submit"), disabled=not may_change)
    if submitted:
        problem = change_document(doc_id, action, new_file, sure)
        if problem:
            st.error(problem)
        else:
            st.rerun()
    if "changed" in st.session_state:
        done, title, stale = st.session_state.pop("changed")
        st.success(t(f"change.done.{done}").format(title=escape(title)))
        if stale:
            st.warning(t("change.stale").format(n=number(stale)))


def change_document(doc_id: str, action: str, new_file: UploadedFile | None, sure: bool) -> str:
    """Remove or replace `doc_id`; an error text (markdown) if refused, else "" (done)."""
    if not change_allowed():
        return t("upload.locked")
    if not sure:
        return t("change.not_confirmed")
    if action == "replace" and new_file is None:
        return t("change.no_file")
    paths = Paths.from_env()
    try:
        with st.spinner(t("upload.working")):
            if action == "remove" or new_file is None:
                result = remove(paths, doc_id, progress=lambda _: None)
            else:
                result = replace_document(
                    paths, doc_id, new_file.name, new_file.getvalue(), progress=lambda _: None
                )
    except InputError as error:
        return error_text(error)
    st.session_state.pop("doc", None)  # the document shown above may be gone
    st.session_state["changed"] = (action, result.title, len(result.newly_stale))
    return ""


st.title(t("page.sources"))
st.caption(t("sources.intro"))

if database_ready():
    documents: pl.DataFrame = atlas().documents()

    st.subheader(t("sources.documents"))
    table(
        localised_columns(
            documents.with_columns(
                in_words(documents, "date", date), in_words(documents, "doc_kind", kind_label)
            ),
            {
                # The count beside the kind, the registration number last: when a narrow
                # window cannot show all eight, what runs off the edge is the least needed.
                "city": "col.city",
                "organ": "col.organ",
                "doc_kind": "col.doc_kind",
                "item_count": "col.items",
                "title": "col.title",
                "date": "col.date",
                "relates_to": "col.relates_to",
                "dnr": "col.dnr_short",
            },
        )
    )

    from_url("doc", list(documents["doc_id"]))
    names = document_names(documents)
    doc_id = st.selectbox(
        t("sources.choose"), list(names), format_func=lambda d: names[d], key="doc"
    )
    to_url("doc")
    document = documents.row(by_predicate=pl.col("doc_id") == doc_id, named=True)
    st.markdown(
        f"**{escape(document['organ'])}** · {escape(document['city'])} · "
        f"{escape(date(document['date']))} · {escape(document['relates_to'] or '')}"
    )
    if document["repaired"]:
        st.info(t("sources.repaired_note"))
    st.metric(t("sources.coverage"), share(document["coverage"]), help=t("sources.coverage_help"))

    items: pl.DataFrame = atlas().items(ItemFilter(doc_id=doc_id))
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
                        if where:
                            st.caption(escape(where))
                        st.caption(t("sources.passage"))
                        st.code(item["text_raw"], language=None, wrap_lines=True)

    if st.toggle(t("sources.show_skipped"), key="skipped", bind="query-params"):
        skipped: pl.DataFrame = atlas().skipped_blocks(doc_id)
        if skipped.is_empty():
            st.info(t("sources.nothing_skipped"))
        else:
            table(
                localised_columns(
                    skipped.select(
                        pl.col("reason").replace_strict(
                            {r: t(f"skip_reason.{r}") for r in SKIP_REASONS},
                            return_dtype=pl.String,
                        ),
                        pl.col("text_raw"),
                    ),
                    {"reason": "col.skip_reason", "text_raw": "col.skipped_text"},
                )
            )

    with st.expander(t("sources.full_text")):
        raw_text, repaired_text = atlas().document_text(doc_id)
        show_raw = st.toggle(t("sources.show_raw"), key="raw", bind="query-params")
        st.code(raw_text if show_raw else repaired_text, language=None, wrap_lines=True)

    may_change = access_controls()
    show_upload(may_change)
    show_remove_or_replace(names, may_change)  # `names`: worded once a run
