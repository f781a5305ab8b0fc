"""The only code that talks to Docker: compose projects, rendering, images, readiness, ports."""
