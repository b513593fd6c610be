"""The conversations' permissions, by their full names.

Holding, muting, letting someone go and ending a conversation are the agent's
and the supervisor's daily work; listening, whispering and barging are
supervision. Each action kind names the one it needs.
"""

HOLD_CONVERSATIONS = "conversations.hold_conversation"
SUPERVISE_CONVERSATIONS = "conversations.supervise_conversation"
VIEW_CONFERENCES = "conversations.view_conference"
VIEW_ACTIONS = "conversations.view_conversationaction"
