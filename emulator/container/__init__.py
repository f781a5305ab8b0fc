"""What runs inside the image: the entrypoint and components, the sync sidecar, the edge server.

Imports nothing of the package but the model."""
