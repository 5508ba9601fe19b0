"""kzlod: an evidence-backed knowledge graph of Kazakhstan's foreign relations."""

__version__ = "0.1.0"
