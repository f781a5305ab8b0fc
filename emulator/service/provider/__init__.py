"""The MWAA API's provider: environment records, their status machine, jobs and store."""
