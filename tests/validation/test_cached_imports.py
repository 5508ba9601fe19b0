"""A cached ``kzlod validate`` reads its report and the closure's clashes and nothing more."""

from __future__ import annotations

import subprocess
import sys

#: What the report and clashes of an unchanged graph need none of.
NOT_FOR_A_CACHED_REPORT = ("rdflib", "pyshacl", "owlrl", "reasonable", "importlib.metadata")


def test_a_cached_validate_imports_no_validator_engine_or_metadata(tmp_path):
    """Regression: a cached validate imported reasonable (to learn whether it is installed) and
    importlib.metadata (for pySHACL's version in the report's key)."""
    env = {"KZLOD_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    first = subprocess.run([sys.executable, "-m", "kzlod", "-q", "validate"], capture_output=True, text=True,
                           env=env)  # fills the cache
    assert first.returncode == 0, first.stderr
    code = ("import sys\nfrom kzlod.cli import cli\n"
            "try:\n    cli(['-q', 'validate', '--format', 'json'], prog_name='kzlod')\n"
            "except SystemExit:\n    pass\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {NOT_FOR_A_CACHED_REPORT!r} "
            f"or m in {NOT_FOR_A_CACHED_REPORT!r}))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[-1] == "[]"
