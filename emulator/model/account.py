"""The one local AWS account and its default region: what ARNs and endpoints name."""

from __future__ import annotations

DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
