"""Image scan findings: ListImageScanFindings and ListImageScanFindingAggregations.

Findings come from Amazon Inspector scanning the images that have scanning enabled. No scanner
runs here (the simulated CollectImageScanFindings step finds nothing), so both lists are empty,
with the documented shapes, after their filters and tokens are checked as AWS documents them.
"""
from __future__ import annotations

from ..protocol.errors import invalid_parameter
from ..protocol.generated import (
    ListImageScanFindingAggregationsRequest,
    ListImageScanFindingAggregationsResponse,
    ListImageScanFindingsRequest,
    ListImageScanFindingsResponse,
)
from ..service.context import Context
from .pagination import paginate_list
from .registry import operation

# The filter names each operation documents.
FINDING_FILTERS = ("imageBuildVersionArn", "imagePipelineArn", "vulnerabilityId", "severity")
AGGREGATION_FILTERS = ("accountId", "imageBuildVersionArn", "imagePipelineArn", "vulnerabilityId")


def _check_filter(name: str | None, allowed: tuple[str, ...], path: str) -> None:
    if name not in allowed:
        raise invalid_parameter(path, f"The filter name '{name}' is not supported. Supported filters: "
                                      f"[{', '.join(sorted(allowed))}].")


@operation("ListImageScanFindings")
def list_image_scan_findings(ctx: Context, params: ListImageScanFindingsRequest) -> ListImageScanFindingsResponse:
    for index, item in enumerate(params.get("filters") or []):
        _check_filter(item.get("name"), FINDING_FILTERS, f"filters[{index}].name")
    page, token = paginate_list(ctx, params, [])
    return {"findings": page, "nextToken": token}


@operation("ListImageScanFindingAggregations")
def list_image_scan_finding_aggregations(ctx: Context,
                                         params: ListImageScanFindingAggregationsRequest) -> ListImageScanFindingAggregationsResponse:
    # Documented: the aggregation type is the filter's name; without a filter, accountId.
    item = params.get("filter")
    if item is not None:
        _check_filter(item.get("name"), AGGREGATION_FILTERS, "filter.name")
    page, token = paginate_list(ctx, params, [])
    return {"aggregationType": item["name"] if item else "accountId", "responses": page, "nextToken": token}
