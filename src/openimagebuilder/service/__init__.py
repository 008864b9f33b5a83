"""The service layer: what the API handlers and the background work (builds, schedules) both do."""
