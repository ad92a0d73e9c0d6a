"""The Madoguchi HTTP service."""
