"""The project's own tools, not part of mwaa-local: the benchmark (`scripts/bench`) and the
offline image builder (`scripts/offline-images`). Neither ships in the wheel nor in the image."""
