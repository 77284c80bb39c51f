"""The HTTP side of `wgbot serve`: the WSGI app, the guard before Bolt, health and metrics."""
