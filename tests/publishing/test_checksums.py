"""A dump's gzip: its level from KZLOD_GZIP_LEVEL (6 by default), its bytes a function of the input and level."""

from __future__ import annotations

import gzip

import pytest

from kzlod.publishing.checksums import gzip_file

#: What a gzip header's XFL byte says of the level (RFC 1952; Python's gzip writes it so).
XFL = {"1": 4, "6": 0, "9": 2}


@pytest.fixture
def dump(tmp_path):
    path = tmp_path / "kzlod-1.nt"
    path.write_bytes(b"".join(b"<https://w3id.org/kzlod/id/e%d> <http://www.w3.org/2000/01/rdf-schema#label> "
                              b"\"entity %d\"@en .\n" % (i, i * 7919 % 1000) for i in range(20_000)))
    return path


@pytest.mark.parametrize("level", [None, "1", "9"])
def test_a_dumps_gzip_is_made_at_the_level_the_setting_says(dump, monkeypatch, level):
    if level is None:
        monkeypatch.delenv("KZLOD_GZIP_LEVEL", raising=False)
    else:
        monkeypatch.setenv("KZLOD_GZIP_LEVEL", level)
    raw = gzip_file(dump).read_bytes()
    assert raw[8] == XFL[level or "6"]
    assert gzip.decompress(raw) == dump.read_bytes()
    again = gzip_file(dump).read_bytes()
    assert again == raw  # the same input and level, the same bytes


def test_a_lower_level_makes_a_larger_gzip(dump, monkeypatch):
    sizes = {}
    for level in ("1", "6", "9"):
        monkeypatch.setenv("KZLOD_GZIP_LEVEL", level)
        sizes[level] = len(gzip_file(dump).read_bytes())
    assert sizes["1"] > sizes["6"] >= sizes["9"]
