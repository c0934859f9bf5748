"""The till: desks and cash sessions (open with a float, close by counting the drawer,
reopen by a manager). Sales join the open session through `hold_session_open`."""

from .sessions import (
    close_cash_session,
    create_desk,
    hold_session_open,
    open_cash_session,
    reopen_cash_session,
)

__all__ = [
    "close_cash_session",
    "create_desk",
    "hold_session_open",
    "open_cash_session",
    "reopen_cash_session",
]
