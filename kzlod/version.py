"""kzlod's version: one place, read by the package, the caches' keys and the build."""

__version__ = "0.1.0"
