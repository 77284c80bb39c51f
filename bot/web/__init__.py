"""What stands between the HTTP server and the Bolt app."""
