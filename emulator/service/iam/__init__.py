"""SigV4 signatures, principals and their policies."""
