"""``labdata``: the one loader every lab uses for the datasets shipped in ``datasets/``.

Each file is checked against the sha256 in ``manifest.json`` before it is read,
so a truncated or edited CSV fails loudly instead of giving quietly wrong scores.
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

SPLIT_SEED = 2026
"""Seed of the canonical train/test split shared by labs 1-4 (independent of a lab's SEED)."""
TEST_SIZE = 0.2


class DatasetError(RuntimeError):
    """A shipped dataset is missing, unknown or does not match its checksum."""


def data_dir() -> Path:
    """Folder holding the CSVs: ``$MODELDEV_DATA`` if set, else this package's folder."""
    return Path(os.environ.get("MODELDEV_DATA") or Path(__file__).resolve().parent)


@lru_cache(maxsize=None)
def manifest() -> dict:
    return json.loads((Path(__file__).resolve().parent / "manifest.json").read_text())


def path(name: str) -> Path:
    """Path of dataset ``name`` after verifying its sha256."""
    if name not in manifest():
        raise DatasetError(f"unknown dataset {name!r}; known: {', '.join(sorted(manifest()))}")
    entry = manifest()[name]
    file = data_dir() / entry["file"]
    if not file.is_file():
        raise DatasetError(
            f"{file} is missing. Restore it with `git checkout datasets/{entry['file']}` "
            "or rebuild it with `python datasets/build.py`.")
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    if digest != entry["sha256"]:
        raise DatasetError(
            f"{file} does not match its checksum (expected sha256 {entry['sha256']}, got {digest}): "
            f"the file was edited or truncated. Restore it with `git checkout datasets/{entry['file']}` "
            "or rebuild it with `python datasets/build.py`.")
    return file


@lru_cache(maxsize=None)
def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(path(name))


def load(name: str) -> pd.DataFrame:
    """A fresh copy of dataset ``name`` (``credit_data`` or ``rotten_tomatoes``)."""
    return _read(name).copy()


def load_credit() -> tuple[pd.DataFrame, pd.Series]:
    """Credit scoring data: features ``X`` (numeric and categorical, with gaps) and ``y`` (1 = bad)."""
    df = load("credit_data")
    entry = manifest()["credit_data"]
    y = (df.pop(entry["target"]) == entry["positive_label"]).astype(int).rename("bad")
    return df, y


def credit_split() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """The canonical stratified 80/20 split (X_train, X_test, y_train, y_test) of labs 1-4."""
    from sklearn.model_selection import train_test_split

    X, y = load_credit()
    return tuple(train_test_split(X, y, test_size=TEST_SIZE, stratify=y, random_state=SPLIT_SEED))


def reviews_split() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Movie-review snippets split 70/15/15 into train, validation, test; ``label`` is 1 for fresh."""
    from sklearn.model_selection import train_test_split

    df = load("rotten_tomatoes")
    entry = manifest()["rotten_tomatoes"]
    df = pd.DataFrame({"text": df["text"], "label": (df[entry["target"]] == entry["positive_label"]).astype(int)})
    train, rest = train_test_split(df, test_size=0.3, stratify=df["label"], random_state=SPLIT_SEED)
    val, test = train_test_split(rest, test_size=0.5, stratify=rest["label"], random_state=SPLIT_SEED)
    return train.reset_index(drop=True), val.reset_index(drop=True), test.reset_index(drop=True)
