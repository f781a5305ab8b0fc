"""Bucket → dags folder synchronisation, as MWAA's sidecar does it (reference §12.2)."""
