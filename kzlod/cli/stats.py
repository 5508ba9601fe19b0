"""``kzlod stats``: claims and events by kind, source and section; entities by class; triples."""

from __future__ import annotations

from kzlod.api.reading import stats, stats_text
from kzlod.cli.common import command, echo_json, emit, format_option, graph_options, open_graph


@command("stats")
@graph_options
@format_option(["text", "json"], default="text")
def stats_command(obj, data, store, endpoint, inferred, fmt):
    """Count claims and events (by kind, source and section), entities by class, and triples.

    \b
    Example:
      kzlod stats --format json
    """
    result = stats(open_graph(obj, data, store, endpoint, inferred))
    if fmt == "json":
        echo_json(result)
        return
    emit(stats_text(result), nl=False)
