"""The shipped datasets: checksums, shapes, splits, and the loader's errors."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import labdata

HERE = Path(labdata.__file__).resolve().parent


def test_files_match_manifest_and_datasheet():
    sheet = (HERE / "README.md").read_text()
    for name, entry in labdata.manifest().items():
        assert labdata.path(name).name == entry["file"]
        assert entry["sha256"] in sheet, f"datasheet lacks the sha256 of {name}"
        assert entry["source_package"] in sheet


def test_credit_data_has_what_lab_1_needs():
    X, y = labdata.load_credit()
    assert X.shape == (4454, 13) and y.sum() == 1254
    assert X.isna().sum().sum() == 455
    assert set(X.select_dtypes(exclude="number").columns) == {"Home", "Marital", "Records", "Job"}


def test_credit_split_is_stratified_and_repeatable():
    X_train, X_test, y_train, y_test = labdata.credit_split()
    assert len(X_train) + len(X_test) == 4454 and len(X_test) == 891
    assert abs(y_train.mean() - y_test.mean()) < 0.01
    assert list(labdata.credit_split()[1].index) == list(X_test.index)
    assert not set(X_train.index) & set(X_test.index)


def test_reviews_split():
    train, val, test = labdata.reviews_split()
    assert len(train) + len(val) + len(test) == 4866
    assert set(train.columns) == {"text", "label"} and set(train.label) == {0, 1}
    assert not set(train.text) & set(test.text) or len(set(train.text) & set(test.text)) < 5


def test_a_changed_file_fails_with_a_message_that_says_how_to_restore_it(tmp_path, monkeypatch):
    for entry in labdata.manifest().values():
        shutil.copy(HERE / entry["file"], tmp_path / entry["file"])
    with open(tmp_path / "credit_data.csv", "a") as fh:
        fh.write("1,rent,60,30,married,no,fixed,73,129.0,0.0,0.0,800,846,good\n")
    monkeypatch.setenv("MODELDEV_DATA", str(tmp_path))
    labdata._read.cache_clear()
    try:
        with pytest.raises(labdata.DatasetError, match="does not match its checksum.*git checkout"):
            labdata.load_credit()
        (tmp_path / "credit_data.csv").unlink()
        with pytest.raises(labdata.DatasetError, match="is missing"):
            labdata.load_credit()
        with pytest.raises(labdata.DatasetError, match="unknown dataset"):
            labdata.load("iris")
    finally:
        labdata._read.cache_clear()
