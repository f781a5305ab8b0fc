"""ListEnvironments' NextToken: opaque to clients, the last name of the page to us."""

from __future__ import annotations

from emulator.model import page_tokens, shapes
from emulator.model.errors import EnvironmentConfigError

# ListEnvironments' page size when MaxResults is not given: the model's maximum (AWS documents
# no default).
DEFAULT_PAGE_SIZE = int(shapes.operation("ListEnvironments").input_shape.members["MaxResults"].metadata["max"])


def encode_token(after: str) -> str:
    """An opaque NextToken: the last name of the page, so later pages survive creates/deletes."""
    return page_tokens.encode_token(after)


def decode_token(token: str) -> str:
    """The name a NextToken continues after; ValidationException when it is not one of ours."""
    after = page_tokens.decode_token(token)
    if after is not None:
        return after
    # AWS documents no wording for a bad pagination token; this one is mwaa-local's.
    raise EnvironmentConfigError(
        f"Invalid NextToken '{token}': pass the NextToken of a previous ListEnvironments response.",
        hint="Start again without NextToken.",
    )
