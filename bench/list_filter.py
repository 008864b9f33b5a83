"""A list whose filter matches nothing, among many resources: what issue 13 measured as a
stall (ListImagePipelines scanning every pipeline, ~0.6 s at 20,000).

    python bench/list_filter.py                 # 20,000 pipelines
    python bench/list_filter.py --pipelines 5000

Starts `oib serve` (SQLite, default settings but the simulated backend and no build worker: only
the API is measured) with a fresh data dir, creates the pipelines through boto3 (8 threads), then
times ListImagePipelines with `name` = `nothing*` and with `status` = `DISABLED` (every pipeline is
ENABLED), 7 calls each, median, and a GetImagePipeline for reference. The name filter is narrowed
in SQL on the ARN's resource id (domain/name_filter.py), the others on the filter values each
resource has in the store (domain/filter_values.py).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import start_server, stop_process  # noqa: E402

PARENT = "arn:aws:imagebuilder:us-east-1:aws:image/amazon-linux-2-x86/x.x.x"
COMPONENT = "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipelines", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oib-bench-list-") as scratch:
        server = start_server("sqlite", "", Path(scratch), {"OIB_NO_WORKER": "true", "OIB_LOG_LEVEL": "warning"})
        try:
            account = "123456789012"
            client = server.client(account)
            infra = client.create_infrastructure_configuration(
                name="infra", instanceProfileName="p")["infrastructureConfigurationArn"]
            recipe = client.create_image_recipe(name="recipe", semanticVersion="1.0.0", parentImage=PARENT,
                                                components=[{"componentArn": COMPONENT}])["imageRecipeArn"]

            def make(first: int) -> None:
                own = server.client(account)
                for number in range(first, args.pipelines, 8):
                    own.create_image_pipeline(name=f"pipeline-{number:05d}", imageRecipeArn=recipe,
                                              infrastructureConfigurationArn=infra)

            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                list(pool.map(make, range(8)))
            print(f"created {args.pipelines} pipelines in {time.perf_counter() - started:.1f} s", flush=True)
            for label, filters in (("name filter", [{"name": "name", "values": ["nothing*"]}]),
                                   ("status filter", [{"name": "status", "values": ["DISABLED"]}])):
                lists = []
                for _ in range(7):
                    started = time.perf_counter()
                    found = client.list_image_pipelines(filters=filters)
                    lists.append(time.perf_counter() - started)
                    assert found["imagePipelineList"] == []
                print(f"ListImagePipelines, {label} matching nothing: median {statistics.median(lists) * 1000:.1f} ms",
                      flush=True)
            started = time.perf_counter()
            client.get_image_pipeline(imagePipelineArn=f"arn:aws:imagebuilder:us-east-1:{account}:image-pipeline/"
                                                       "pipeline-00001")
            get = time.perf_counter() - started
            print(f"GetImagePipeline {get * 1000:.1f} ms")
        finally:
            stop_process(server.process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
