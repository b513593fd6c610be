"""Signals other apps listen to instead of reaching into calls.services.

Sent after the database transaction that recorded the change has committed.
"""

from django.dispatch import Signal

# sender=Call; kwargs: call, previous_status, event (CallEvent)
call_status_changed = Signal()
