"""Domain errors. Every service error carries a stable code and a translated message; callers
turn them into a form error, an HTTP 400/409 or a console message."""


class ParterreError(Exception):
    code = "parterre.error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.field = field


class ValidationFailed(ParterreError):
    code = "invalid"


class Conflict(ParterreError):
    code = "conflict"
    http_status = 409
