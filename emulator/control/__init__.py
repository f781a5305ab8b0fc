"""The MWAA control plane: durable environment records, their status machine, and the
background jobs that create, update and delete environments (reference §4 to §6)."""
