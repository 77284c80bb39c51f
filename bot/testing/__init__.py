"""Test doubles for Slack: a fake Web API server and requests signed the way Slack signs them.

Shipped in the package so the real server process can be run against the fake
(`SLACK_API_URL=http://127.0.0.1:<port>/api/`) and the benchmarks can use the same payloads.
"""
