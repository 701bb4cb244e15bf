"""Composition root: the CLI and the wiring that runs the web server, the bot and the jobs in one loop."""
