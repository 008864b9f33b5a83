"""Output AMI names: the distribution's `amiDistributionConfiguration.name` with Image Builder's
dynamic tags filled in, or AWS's default name when a Region's distribution gives none."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# The documented dynamic tags (userguide, "Tag Image Builder output resources"), written with or
# without spaces inside the braces as AWS's own examples are.
_DYNAMIC_TAG = re.compile(r"\{\{\s*imagebuilder:(buildDate|buildVersion)\s*\}\}")


def build_date(date_created: str) -> str:
    """The build's date and time as it appears in AMI names. The model documents the default name
    as `my-image 2022-10-26T22-30-05.912619Z`: ISO 8601 in UTC with `-` for `:`, which EC2 does not
    allow in AMI names. The image's dateCreated is the build's start (millisecond precision here)."""
    return date_created.replace(":", "-")


def ami_name(template: str | None, image_name: str, image_arn: str, date_created: str) -> str:
    """The name of an output AMI. `{{ imagebuilder:buildVersion }}` is the build number at the end of
    the image's ARN (documented); any other `{{ … }}` text is left as written (AWS is silent)."""
    date = build_date(date_created)
    if not template:
        return f"{image_name} {date}"
    build = image_arn.rsplit("/", 1)[-1]
    return _DYNAMIC_TAG.sub(lambda match: date if match[1] == "buildDate" else build, template)


def ami_name_templates(image: Mapping[str, Any]) -> dict[str, str]:
    """Region → the `amiDistributionConfiguration.name` the image's distribution gives it."""
    distributions = (image.get("distributionConfiguration") or {}).get("distributions") or []
    return {item["region"]: name for item in distributions
            if (name := (item.get("amiDistributionConfiguration") or {}).get("name"))}
