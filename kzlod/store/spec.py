"""Which store a command reads, parsed once from its ``--store`` and ``--endpoint`` options.

* ``memory`` — the project's ontology and data (plus ``--data`` files) in an
  in-memory Oxigraph store (the default);
* ``oxigraph:DIR`` — an Oxigraph store on disk made by ``kzlod load``;
* an endpoint URL — a remote SPARQL 1.1 Protocol service (``--endpoint``).

Every other module asks a :class:`StoreSpec` what it is (:attr:`StoreSpec.is_memory`,
:attr:`~StoreSpec.is_disk`, :attr:`~StoreSpec.is_endpoint`) instead of looking at the
option's text, and opens it with :meth:`StoreSpec.open`; the error messages about
stores are written here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kzlod.errors import InputError, UsageError
from kzlod.project import Project
from kzlod.store.backends import EndpointStore, OxigraphStore, inferred_store, memory_store
from kzlod.store.credentials import check_url, public_url

MEMORY = "memory"
DISK_PREFIX = "oxigraph:"
ENDPOINT = "endpoint"


@dataclass(frozen=True)
class StoreSpec:
    """A store as a command names it: ``kind`` is ``memory``, ``oxigraph`` or ``endpoint``;
    ``location`` is the store's folder or the endpoint's URL."""

    kind: str = MEMORY
    location: str = ""

    @classmethod
    def parse(cls, store: StoreSpec | str | None = None, endpoint: str | None = None) -> StoreSpec:
        """The spec of ``--store STORE`` (``memory`` or ``oxigraph:DIR``) and ``--endpoint URL``."""
        if isinstance(store, StoreSpec):
            spec = store
        elif store in (None, "", MEMORY):
            spec = cls()
        elif store.startswith(DISK_PREFIX) and store[len(DISK_PREFIX):]:
            spec = cls("oxigraph", store[len(DISK_PREFIX):])
        else:
            raise UsageError(f"unknown store {store!r}: use 'memory' or 'oxigraph:DIR'")
        if not endpoint:
            return spec
        if not spec.is_memory:
            raise UsageError(f"--endpoint cannot be combined with --store {spec}: choose one")
        return cls(ENDPOINT, check_url(endpoint, "--endpoint"))

    @property
    def is_memory(self) -> bool:
        return self.kind == MEMORY

    @property
    def is_disk(self) -> bool:
        return self.kind == "oxigraph"

    @property
    def is_endpoint(self) -> bool:
        return self.kind == ENDPOINT

    def __str__(self) -> str:
        """The store as a message names it (an endpoint without its credentials)."""
        if self.is_disk:
            return DISK_PREFIX + self.location
        return public_url(self.location) if self.is_endpoint else MEMORY

    @property
    def path(self) -> Path:
        """The folder of a disk store (whether or not it exists yet)."""
        if not self.is_disk:
            raise UsageError(f"expected --store oxigraph:DIR, got {str(self)!r}")
        return Path(self.location).expanduser()

    def existing_path(self) -> Path:
        """The folder of a disk store that must exist (``kzlod load`` makes one)."""
        path = self.path
        if not path.is_dir():
            raise InputError(f"{path}: no Oxigraph store here; create one with 'kzlod load FILE... --store {self}'")
        return path

    def refuse_data(self, extra) -> None:
        """``--data`` files go into a memory store only."""
        if extra and self.is_endpoint:
            raise UsageError("--data cannot be combined with --endpoint (the endpoint holds its own data)")
        if extra and self.is_disk:
            raise UsageError(f"--data cannot be used with --store {self}; add the files with 'kzlod load' first")

    def open(self, project: Project, *, extra=(), inferred=None, user: str | None = None,
             password: str | None = None, read_only: bool = True):
        """Open the store: ``project``'s graph in memory (plus ``extra`` parsed files), the disk store
        (read-only unless asked), or the endpoint.

        ``inferred``: for a memory store, the inferred triples to add (see
        :func:`kzlod.reasoning.closure.project_closure`); for a disk store, True reads the
        closure ``kzlod reason --store`` wrote.
        """
        self.refuse_data(extra)
        if self.is_endpoint:
            if inferred:
                raise UsageError("--inferred cannot be used with --endpoint: the endpoint decides what it infers")
            return EndpointStore(self.location, user=user, password=password)
        if self.is_memory:
            if inferred is True:
                raise UsageError("a memory store takes the inferred triples themselves (see kzlod.load(inferred=True))")
            return memory_store(project, extra, inferred=inferred)
        path = self.existing_path()
        if inferred is True:
            return inferred_store(path)
        if inferred is not None:
            raise UsageError(f"--inferred with --store {self} reads the store's own closure; "
                             f"run 'kzlod reason --store {self}' first")
        return OxigraphStore(path, read_only=read_only)
