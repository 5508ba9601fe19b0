"""A picture of Kazakhstan's relations: partners, organisations, tone and memberships.

:func:`relation_map` (:mod:`kzlod.querying.relations`) reads the graph (SPARQL only,
any store) into nodes and edges; :func:`render` draws them with matplotlib's
Agg/SVG backends, so it needs no system packages and no display; matplotlib
comes with the ``graph`` extra (``pip install 'kzlod[graph]'``), and without it
:func:`require_plotting` says so.

What the nodes and edges are (partners, organisations, the tone of each
relation, memberships dashed) is said in :mod:`kzlod.querying.relations`.

The layout is fixed, not random: the focus in the middle, partners on a
circle in label order starting at the top, each organisation outside the
circle at the mean direction of its members.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from kzlod.errors import InputError, UsageError
from kzlod.querying.relations import (  # noqa: F401 - the map's reading and layout, named here as before
    COLOURS,
    KAZAKHSTAN,
    MEMBERSHIP_LEGEND,
    NEGATIVE,
    POSITIVE,
    TONES,
    Edge,
    Node,
    RelationMap,
    relation_map,
    tone_category,
)

OUTPUT_FORMATS = {".svg": "svg", ".png": "png"}
NEEDS_EXTRA = "kzlod graph needs the plotting extra: pip install 'kzlod[graph]'"


def _bend(a: Node, b: Node, amount: float = 0.3) -> float:
    """arc3 ``rad`` that bows the edge a-b away from the centre."""
    dx, dy = b.x - a.x, b.y - a.y
    mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
    side = dy * mx - dx * my
    return amount if side >= 0 else -amount


def output_format(path) -> str:
    """``svg`` or ``png`` from the file name, or a usage error."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        known = ", ".join(sorted(OUTPUT_FORMATS))
        raise UsageError(f"{path}: cannot draw a {suffix or 'file without extension'!r} picture; use {known}")
    return OUTPUT_FORMATS[suffix]


def require_plotting():
    """matplotlib, or a usage error naming the extra that brings it (it is not a dependency of kzlod)."""
    try:
        import matplotlib
    except ImportError:
        raise UsageError(NEEDS_EXTRA) from None
    return matplotlib


def render(m: RelationMap, path) -> int:
    """Draw the map into ``path`` (.svg or .png); return the number of bytes written."""
    fmt = output_format(path)
    matplotlib = require_plotting()
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "kzlod", "font.family": "DejaVu Sans",
                                "path.simplify": False}):
        fig = Figure(figsize=(11, 9), dpi=110)
        ax = fig.add_axes((0, 0, 1, 0.93))
        ax.set_axis_off()
        ax.set_xlim(-2.3, 2.3)
        ax.set_ylim(-2.15, 1.95)
        ax.set_aspect("equal")
        for e in m.edges:
            a, b = m.nodes[e.a], m.nodes[e.b]
            if e.kind == "membership":
                rad = 0.0 if m.focus in (e.a, e.b) else _bend(a, b)
                ax.add_patch(FancyArrowPatch((a.x, a.y), (b.x, b.y), connectionstyle=f"arc3,rad={rad}",
                                             arrowstyle="-", linestyle=(0, (5, 4)), color="#7b5ea7",
                                             linewidth=1.2, zorder=1))
            else:
                colour = TONES[e.tone][1]
                ax.plot([a.x, b.x], [a.y, b.y], color=colour, linewidth=3.2, solid_capstyle="round", zorder=2)
                tx, ty = (a.x + b.x) / 2, (a.y + b.y) / 2
                text = "\n".join(textwrap.fill(line, 28) for line in e.label.split("\n"))
                ax.text(tx, ty, text, fontsize=7.5, color="#222", ha="center", va="center", zorder=3,
                        bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": colour, "lw": 0.8, "alpha": 0.92})
        for node in m.nodes.values():
            focus = node.kind == "focus"
            ax.text(node.x, node.y, textwrap.fill(node.label, 22), ha="center", va="center", zorder=4,
                    fontsize=13 if focus else 10, fontweight="bold" if node.kind != "organisation" else "normal",
                    color="white" if focus else "#1b1f23",
                    bbox={"boxstyle": "round,pad=0.45" if node.kind != "organisation" else "square,pad=0.4",
                          "fc": COLOURS[node.kind], "ec": "#1d3f72" if node.kind == "partner" else "#7b5ea7",
                          "lw": 1.2})
        handles = [Line2D([0], [0], color=TONES[t][1], linewidth=3.2, label=TONES[t][0])
                   for t in TONES if TONES[t][0] in m.legend()]
        if MEMBERSHIP_LEGEND in m.legend():
            handles.append(Line2D([0], [0], color="#7b5ea7", linestyle=(0, (5, 4)), linewidth=1.2,
                                  label=MEMBERSHIP_LEGEND))
        if handles:
            ax.legend(handles=handles, loc="lower left", fontsize=8.5, title="Edges", title_fontsize=9,
                      frameon=True, framealpha=0.95)
        focus = m.nodes[m.focus].label
        fig.suptitle(f"{focus}'s relations as the sources describe them", fontsize=15, y=0.985)
        fig.text(0.5, 0.935, "Relation edges coloured by the tone of the sources' tone assessments; "
                 "dashed edges are memberships.", ha="center", fontsize=9, color="#555")
        buf = _save(fig, fmt)
    try:
        Path(path).write_bytes(buf)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return len(buf)


def _save(fig, fmt: str) -> bytes:
    import io

    out = io.BytesIO()
    metadata = {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
    fig.savefig(out, format=fmt, metadata=metadata, facecolor="white")
    return out.getvalue()


def draw(store, out, *, focus: str = KAZAKHSTAN) -> dict:
    """Read the map from ``store`` and draw it into ``out``; return a summary."""
    output_format(out)
    m = relation_map(store, focus)
    size = render(m, out)
    return {"out": str(out), "bytes": size, "partners": sorted(n.label for n in m.partners()),
            "organisations": sorted(n.label for n in m.nodes.values() if n.kind == "organisation"),
            "relations": sum(1 for e in m.edges if e.kind == "relation"),
            "memberships": sum(1 for e in m.edges if e.kind == "membership"), "legend": m.legend()}
