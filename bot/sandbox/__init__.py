"""`wgbot sandbox`: the real app behind a local Slack-like page, with Slack played in process."""
