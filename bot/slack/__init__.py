"""Small helpers every feature shares: mrkdwn escaping, Block Kit builders, terminal rendering."""
