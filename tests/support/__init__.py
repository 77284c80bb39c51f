"""What only the tests (and the benchmarks, run from a clone) use: requests signed as Slack
signs them. Never shipped in the wheel."""
