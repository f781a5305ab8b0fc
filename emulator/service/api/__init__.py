"""The MWAA API's protocol: routes, parsing and serialising from botocore's model."""
