"""Ray jobs: the batch ingestion driver (`ray job submit -- python -m jobs.ingest`), on top of the
pipelines (Ray Data stages) and the actors (the index) it drives."""
