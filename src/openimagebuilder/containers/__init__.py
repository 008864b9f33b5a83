"""Real container builds: buildah driven as a subprocess with configuration of its own, a local OCI
registry standing in for ECR, and the offline base images managed container images resolve to.
The container build backend (engine/container.py) stands on this package."""
