"""The read side: what the app and the exports ask of a published database.

Queries, exports (tables, deck, report), access control and interface text. Nothing here imports
a pipeline stage: the read side sees only the published database and the shared vocabulary in
`etl.model`, `etl.paths` and `etl.errors` (tests/test_architecture.py enforces the direction).
"""
