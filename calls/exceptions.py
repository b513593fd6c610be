"""The project's own errors. Views turn them into 4xx answers with the message;
`RetryLater` is the one a service raises for its task instead (it lives here,
not in `calls.services`, so the tasks module needs no service at import)."""


class CallCenterError(Exception):
    """Base of every error a user or an integration can act on."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RuleViolation(CallCenterError):
    """A rule checked before Twilio is called; nothing was sent or saved.

    `field` names the input to fix (API/admin put the message on it).
    """

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.field = field
        self.code = code


class TwilioError(CallCenterError):
    """Twilio (or voicesim) refused or failed a request; keeps Twilio's code."""

    def __init__(self, message: str, *, code: int | None, status: int | None, uri: str = ""):
        super().__init__(message)
        self.code = code
        self.status = status
        self.uri = uri

    @property
    def retryable(self) -> bool:
        """20429 and 5xx were never processed by Twilio: safe to send again."""
        return self.code == 20429 or (self.status or 0) >= 500

    def __str__(self) -> str:
        return f"Twilio error {self.code}: {self.message}"


class TwilioUnreachable(CallCenterError):
    """The request may or may not have reached Twilio (timeout, reset).

    Never replay a create after this: reconcile instead.
    """


class RetryLater(Exception):
    """Nothing changed for good; the task should run again after `countdown` seconds."""

    def __init__(self, countdown: float, reason: str = ""):
        super().__init__(reason or f"retry in {countdown}s")
        self.countdown = countdown
