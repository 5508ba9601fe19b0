"""``kzlod stats``: triples, entities by class, claims by source and section."""

from __future__ import annotations

from kzlod.api.reading import stats
from kzlod.cli.common import command, echo_json, emit, format_option, graph_options, open_graph


@command("stats")
@graph_options
@format_option(["text", "json"], default="text")
def stats_command(obj, data, store, endpoint, inferred, fmt):
    """Count triples, entities by class, and claims by source and section.

    \b
    Example:
      kzlod stats --format json
    """
    result = stats(open_graph(obj, data, store, endpoint, inferred))
    if fmt == "json":
        echo_json(result)
        return
    emit(f"triples: {result['triples']}\n\nentities by class:")
    for row in result["classes"]:
        emit(f"  {row['entities']:6d}  {row['class']}")
    emit("\nclaims by source and section:")
    for row in result["claims"]:
        emit(f"  {row['claims']:6d}  {row['source']}" + (f" / {row['section']}" if row["section"] else ""))
