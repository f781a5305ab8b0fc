"""Bucket → dags folder synchronisation, as MWAA's sidecar does it (docs/reference.md §12.2)."""
