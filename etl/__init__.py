"""Rights Atlas pipeline: the cities' documents in, a published DuckDB file out.

Stages (see `etl.pipeline.STAGES`): load → parse → repair → extract → dedupe → map → overrides →
publish. Each stage is a function of its inputs, testable alone.
"""
