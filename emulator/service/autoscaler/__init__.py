"""Worker autoscaling between MinWorkers and MaxWorkers, as MWAA scales."""
