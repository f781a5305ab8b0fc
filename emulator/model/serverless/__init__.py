"""MWAA Serverless's model (docs/reference.md §24): workflows, their definitions and versions."""
