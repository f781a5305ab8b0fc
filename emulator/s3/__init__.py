"""The local S3 service seen from the host: the bucket, and uploads to it."""
