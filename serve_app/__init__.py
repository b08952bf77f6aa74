"""LexRay's Ray Serve application: HTTP API, deployments, Python client."""
