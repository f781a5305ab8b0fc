"""The AWS services the region serves beside the MWAA API (CloudWatch Logs, CloudWatch, Secrets
Manager, SSM Parameter Store): moto's backends behind the same signatures and policies."""
