#!/usr/bin/env python3
"""Vendor YASGUI's browser bundle into kzlod/web/static/vendor/yasgui/, or check it.

The query page of ``kzlod serve`` is built on YASGUI (``@zazuko/yasgui`` on npm, MIT);
its built bundle is shipped inside the package so that the page works with no internet
access. This script is the one way those files change:

    python scripts/vendor_yasgui.py --check             # the files match manifest.json (no network)
    python scripts/vendor_yasgui.py                     # fetch the recorded version again, verify, rewrite
    python scripts/vendor_yasgui.py --version 4.7.0     # move to another version

Fetching uses npm (``npm pack``, ``npm view``, ``npm install --ignore-scripts``). The
tarball's SHA-512 must equal the registry's ``dist.integrity``; for the version already
recorded it must also equal the recorded integrity, and the bundle files the recorded
SHA-256 sums, so a refresh that would silently change the shipped code fails instead.
The licences of the packages compiled into the bundle (read from its source map) are
collected in THIRD-PARTY-LICENSES.txt. YASGUI's own LICENSE is not in its npm package;
the copy here comes from https://github.com/rdfjs/Yasgui (MIT) and is kept as it is.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "kzlod" / "web" / "static" / "vendor" / "yasgui"
MANIFEST = VENDOR / "manifest.json"
PACKAGE = "@zazuko/yasgui"
#: Files taken from the npm tarball, by their name here.
FROM_TARBALL = {"yasgui.min.js": "package/build/yasgui.min.js", "yasgui.min.css": "package/build/yasgui.min.css"}
LICENSE_SOURCE = "https://github.com/rdfjs/Yasgui/blob/main/LICENSE"
LICENCE_NAMES = ("license", "licence", "copying")


class VendorError(Exception):
    pass


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check(vendor: Path = VENDOR) -> list[str]:
    """Problems with the vendored files (none: they are exactly what manifest.json records)."""
    try:
        manifest = json.loads((vendor / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{vendor / 'manifest.json'}: cannot read: {exc}"]
    problems = []
    recorded = manifest.get("files", {})
    for name in (*FROM_TARBALL, "LICENSE", "THIRD-PARTY-LICENSES.txt"):
        if name not in recorded:
            problems.append(f"manifest.json records no {name}")
    for name, meta in sorted(recorded.items()):
        path = vendor / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256(path.read_bytes()) != meta.get("sha256"):
            problems.append(f"{name}: SHA-256 {sha256(path.read_bytes())} is not the recorded {meta.get('sha256')}")
    present = {p.name for p in vendor.iterdir() if p.is_file()} - {"manifest.json"}
    for name in sorted(present - set(recorded)):
        problems.append(f"{name}: not recorded in manifest.json")
    return problems


def npm(*args: str, cwd: Path) -> str:
    if shutil.which("npm") is None:
        raise VendorError("npm is needed to fetch YASGUI (apt-get install npm)")
    proc = subprocess.run(["npm", *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise VendorError(f"npm {' '.join(args)} failed:\n{proc.stderr.strip()}")
    return proc.stdout


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def bundled_packages(source_map: bytes) -> list[str]:
    """The npm packages whose code the bundle holds, from its source map's ``sources``."""
    names = set()
    for source in json.loads(source_map)["sources"]:
        if "node_modules/" in source:
            parts = source.rsplit("node_modules/", 1)[1].split("/")
            names.add("/".join(parts[:2]) if parts[0].startswith("@") else parts[0])
    return sorted(names)


def licence_text(folder: Path) -> str | None:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().startswith(LICENCE_NAMES))
    return "\n\n".join(p.read_text(encoding="utf-8", errors="replace").strip() for p in files) or None


def third_party_licences(packages: list[str], node_modules: Path, version: str) -> str:
    out = [f"Third-party code in yasgui.min.js and yasgui.min.css ({PACKAGE} {version}).",
           "",
           "The bundle compiles in the npm packages below (named by its source map). Their licence",
           "texts are those of the versions npm resolved when this file was written, which can be",
           "newer releases of the same packages than the ones the bundle was built from.",
           ""]
    for name in packages:
        folder = node_modules / name
        meta = json.loads((folder / "package.json").read_text(encoding="utf-8")) if folder.is_dir() else {}
        licence = meta.get("license") or meta.get("licenses") or "see its licence text"
        out += ["=" * 78, f"{name} {meta.get('version', '(not installed)')}: {licence}", "=" * 78]
        text = licence_text(folder) if folder.is_dir() else None
        out += [text or f"(no licence file in the npm package; its package.json says: {licence})", ""]
    return "\n".join(out).rstrip() + "\n"


def refresh(version: str | None) -> dict:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8")) if MANIFEST.is_file() else {}
    version = version or manifest.get("version")
    if not version:
        raise VendorError("no version recorded yet: give --version")
    if not (VENDOR / "LICENSE").is_file():
        raise VendorError(f"{VENDOR / 'LICENSE'} is missing: copy YASGUI's LICENSE from {LICENSE_SOURCE}")
    same = manifest.get("version") == version
    with tempfile.TemporaryDirectory(prefix="kzlod-yasgui-") as tmp:
        tmp = Path(tmp)
        packed = json.loads(npm("pack", f"{PACKAGE}@{version}", "--json", "--pack-destination", str(tmp), cwd=tmp))
        tarball = (tmp / packed[0]["filename"]).read_bytes()
        registry = json.loads(npm("view", f"{PACKAGE}@{version}", "dist.integrity", "--json", cwd=tmp))
        got = integrity(tarball)
        if got != registry:
            raise VendorError(f"the tarball's integrity {got} is not the registry's {registry}")
        if same and manifest.get("integrity") and manifest["integrity"] != got:
            raise VendorError(f"{PACKAGE}@{version} is not the tarball recorded before "
                              f"({got} != {manifest['integrity']})")
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
            def member(name: str) -> bytes:
                try:
                    return tar.extractfile(name).read()
                except (KeyError, AttributeError):
                    raise VendorError(f"{PACKAGE}@{version} has no {name}") from None

            files = {name: member(path) for name, path in FROM_TARBALL.items()}
            meta = json.loads(member("package/package.json"))
            packages = bundled_packages(member("package/build/yasgui.min.js.map"))
        if meta.get("version") != version or meta.get("license") != "MIT":
            raise VendorError(f"{PACKAGE}@{version}: package.json says version {meta.get('version')}, "
                              f"licence {meta.get('license')}; expected {version}, MIT")
        if same:
            for name, data in files.items():
                recorded = manifest.get("files", {}).get(name, {}).get("sha256")
                if recorded and sha256(data) != recorded:
                    raise VendorError(f"{name} of {PACKAGE}@{version} has SHA-256 {sha256(data)}, "
                                      f"not the recorded {recorded}")
        deps = tmp / "deps"
        deps.mkdir()
        npm("install", "--prefix", str(deps), "--no-save", "--omit=dev", "--ignore-scripts", "--no-audit",
            "--no-fund", f"{PACKAGE}@{version}", cwd=deps)
        files["THIRD-PARTY-LICENSES.txt"] = third_party_licences(packages, deps / "node_modules", version).encode()
    files["LICENSE"] = (VENDOR / "LICENSE").read_bytes()
    for name, data in files.items():
        part = VENDOR / (name + ".part")
        part.write_bytes(data)
        os.replace(part, VENDOR / name)
    manifest = {
        "package": PACKAGE,
        "version": version,
        "integrity": got,
        "license": "MIT",
        "license_source": LICENSE_SOURCE,
        "bundled_packages": packages,
        "refresh": "python scripts/vendor_yasgui.py [--version VERSION]; "
                   "check: python scripts/vendor_yasgui.py --check",
        "files": {name: {"sha256": sha256(data), **({"from": FROM_TARBALL[name]} if name in FROM_TARBALL else {})}
                  for name, data in sorted(files.items())},
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    problems = check()
    if problems:
        raise VendorError("the files written do not match the manifest: " + "; ".join(problems))
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", help="the @zazuko/yasgui version to vendor (default: the one recorded)")
    parser.add_argument("--check", action="store_true", help="only check the vendored files against manifest.json")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = check()
            for problem in problems:
                print(f"vendor_yasgui: {problem}", file=sys.stderr)
            if not problems:
                version = json.loads(MANIFEST.read_text(encoding="utf-8"))["version"]
                print(f"{PACKAGE} {version}: every vendored file matches manifest.json")
            return 1 if problems else 0
        manifest = refresh(args.version)
    except VendorError as exc:
        print(f"vendor_yasgui: {exc}", file=sys.stderr)
        return 1
    print(f"vendored {PACKAGE} {manifest['version']} into {VENDOR.relative_to(ROOT)} "
          f"({', '.join(manifest['files'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
