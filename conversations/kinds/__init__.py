"""The action kinds this app ships, each registered on import (`conversations.registry`).

One module per family of kinds; `conversations.apps` imports this package
when Django starts.
"""

from . import dialing, holding, supervision  # noqa: F401
