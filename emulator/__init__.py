"""mwaa-local: Amazon MWAA on Docker Compose."""

__version__ = "0.1.0"
