"""Twilio-shaped API errors.

The ``twilio`` client builds ``TwilioRestException`` from the JSON body, so the
body must be exactly Twilio's ``{code, message, more_info, status}`` (a body
with both ``type`` and ``title`` would be read as a different error class).
"""

from __future__ import annotations

from starlette.responses import JSONResponse


class TwilioError(Exception):
    """An API error answered with Twilio's status, code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if self.status == 401 else None
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def authenticate_error() -> TwilioError:
    return TwilioError(401, 20003, "Authenticate")


def not_found(path: str) -> TwilioError:
    return TwilioError(404, 20404, f"The requested resource {path} was not found")


def not_in_progress() -> TwilioError:
    return TwilioError(400, 21220, "Call is not in-progress. Cannot redirect.")
