"""MWAA Serverless, the region's second MWAA API (docs/reference.md §24)."""
