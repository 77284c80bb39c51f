"""Lean coffee: series and meetups, topics, dot votes, the meeting, its summary and calendar."""
