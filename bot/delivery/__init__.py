"""Everything written to Slack that is owed: DMs (outbox.py) and channel posts, message updates
and thread replies (channel.py). Owed in the database with the change that owes them, claimed,
marked before the call, retried until Slack accepts them, and checked rather than repeated when
their fate is unknown. This package knows no feature: each feature registers how to draw its
kinds of message."""
