"""The web console at /console: server-rendered pages over the API's own handlers (console/api.py
calls them in-process, as the caller), with a little JavaScript for live logs and refreshes."""
