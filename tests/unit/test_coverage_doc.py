from pathlib import Path

from openimagebuilder.coverage import render


def test_coverage_doc_is_current():
    path = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"
    assert path.read_text() == render(), "docs/coverage.md is stale: run `make coverage`"
