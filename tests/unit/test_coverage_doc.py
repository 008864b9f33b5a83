from pathlib import Path

from openimagebuilder.coverage import render, with_readme_list

ROOT = Path(__file__).resolve().parents[2]


def test_coverage_doc_is_current():
    assert (ROOT / "docs" / "coverage.md").read_text() == render(), "docs/coverage.md is stale: run `make coverage`"


def test_readme_operation_list_is_current():
    readme = (ROOT / "README.md").read_text()
    assert readme == with_readme_list(readme), "README.md's operation list is stale: run `make coverage`"
