"""Reads of the supervisor console: the dashboard, the live board and call timelines."""
