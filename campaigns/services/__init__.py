"""The operations that change campaigns, contacts and the do-not-call list.

The only writers of `campaigns.models`: admin, API, webhooks and tasks call
these so every path gets the same rules.
"""
