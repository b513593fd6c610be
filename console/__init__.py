"""The supervisor console: the admin's dashboard, live board and call timelines."""
