"""Driving Docker: the region and environment compose projects, images, health and ports."""
