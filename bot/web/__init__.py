"""The HTTP side of `wgbot serve`: the WSGI app, its guard, health and metrics."""
