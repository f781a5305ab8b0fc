"""The control-plane HTTP API: MWAA's rest-json protocol, routes and shapes read from botocore's model."""
