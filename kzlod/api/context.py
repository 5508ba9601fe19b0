"""The context every API function works in: the project, resolved once.

A call names its project as ``project=`` (a folder or a :class:`~kzlod.project.Project`);
without it, the project found from the working directory upward, else the bundled graph,
read-only. A folder (or None) is resolved here, recovered from an interrupted write, and its
files passed through the strict gate (:func:`kzlod.gate.own.check_project`: a broken file is
refused as file:line:col); a :class:`Project` is taken as it is (the command line did all that)."""

from __future__ import annotations

from pathlib import Path

from kzlod.files.safewrite import recover_project
from kzlod.gate.own import check_project
from kzlod.project import Project, resolve

__all__ = ["open_project", "check_project", "ProjectLike"]

ProjectLike = Path | str | Project | None


def open_project(project: ProjectLike = None) -> Project:
    """The project a call works on (see the module docstring); a folder is first recovered from a crash."""
    if isinstance(project, Project):
        return project
    found = resolve(project)
    recover_project(found)
    check_project(found)
    return found
