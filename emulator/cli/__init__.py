"""The face: the `mwaa-local` command, its output, and the use cases it calls."""
