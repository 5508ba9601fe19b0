"""Files on disk: atomic, locked, journalled writes (:mod:`.safewrite`) and canonical Turtle (:mod:`.turtle`).

The lowest layer that touches the file system; it knows nothing of graphs beyond Turtle text.
"""
