"""What a region name looks like (kept apart from regions.py, which loads botocore's endpoint data,
so that settings can check `--extra-regions` cheaply)."""
from __future__ import annotations

import re

# As AWS forms them (us-east-1, cn-north-1, us-gov-west-1, eusc-de-east-1), at most 32 characters:
# the store's region columns are that wide.
REGION_NAME = re.compile(r"[a-z]{2,8}(-[a-z0-9]{1,12}){1,4}")
MAX_REGION_LENGTH = 32


def valid_region_name(region: str) -> bool:
    return len(region) <= MAX_REGION_LENGTH and REGION_NAME.fullmatch(region) is not None
