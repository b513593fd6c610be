"""Signals other apps listen to instead of reaching into calls.services.

Sent after the database transaction that recorded the change has committed.
"""

from django.dispatch import Signal

# sender=Call; kwargs: call, previous_status, event (CallEvent)
call_status_changed = Signal()

# sender=Redirect; kwargs: redirect. A change of a live call is going out to Twilio:
# its `sending` state has committed and Twilio has not been asked yet, so a
# listener acts before the call can change. Sent at each attempt.
redirect_sending = Signal()

# sender=Redirect; kwargs: redirect. Sent while Twilio waits on the redirect's
# fallback: a receiver may return the TwiML document the caller hears instead
# of the product's apology (a queued caller goes back on hold).
redirect_failed = Signal()
