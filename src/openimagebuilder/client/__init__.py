"""The `oib` client commands (pipelines, run, images, logs, clock): they talk to a running service
as users do, over HTTP (boto3 for the Image Builder API)."""
