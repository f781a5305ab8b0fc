"""ListEnvironments' NextToken: opaque to clients, the last name of the page to us."""

from __future__ import annotations

import base64
import binascii
import json

from emulator.model import shapes
from emulator.model.errors import EnvironmentConfigError

# ListEnvironments' page size when MaxResults is not given: the model's maximum (AWS documents
# no default).
DEFAULT_PAGE_SIZE = int(shapes.operation("ListEnvironments").input_shape.members["MaxResults"].metadata["max"])
TOKEN_VERSION = 1


def encode_token(after: str) -> str:
    """An opaque NextToken: the last name of the page, so later pages survive creates/deletes."""
    data = json.dumps({"v": TOKEN_VERSION, "after": after}).encode()
    return base64.urlsafe_b64encode(data).decode()


def decode_token(token: str) -> str:
    """The name a NextToken continues after; ValidationException when it is not one of ours."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if isinstance(data, dict) and data.get("v") == TOKEN_VERSION and isinstance(data.get("after"), str):
            return str(data["after"])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    # AWS documents no wording for a bad pagination token; this one is mwaa-local's.
    raise EnvironmentConfigError(
        f"Invalid NextToken '{token}': pass the NextToken of a previous ListEnvironments response.",
        hint="Start again without NextToken.",
    )
