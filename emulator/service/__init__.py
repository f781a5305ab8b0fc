"""What the region serves: the MWAA API, its provider (records, statuses, jobs), IAM, the autoscaler."""
