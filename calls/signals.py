"""Signals other apps listen to instead of reaching into calls.services.

Sent after the database transaction that recorded the change has committed.
"""

from django.dispatch import Signal

# sender=Call; kwargs: call, previous_status, event (CallEvent)
call_status_changed = Signal()

# sender=Redirect; kwargs: redirect. Sent while Twilio waits on the redirect's
# fallback: a receiver may return the TwiML document the caller hears instead
# of the product's apology (a queued caller goes back on hold).
redirect_failed = Signal()
