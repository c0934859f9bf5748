"""Other apps add their part of a person's data export here (crm never reads their tables).

    register_export("orders", lambda contact_id: [...])   # in the app's AppConfig.ready()

Each contributor returns JSON-serialisable data about one contact."""

from collections.abc import Callable

Contributor = Callable[[int], object]

_CONTRIBUTORS: dict[str, Contributor] = {}


def register_export(section: str, contributor: Contributor) -> None:
    _CONTRIBUTORS[section] = contributor


def contributors() -> dict[str, Contributor]:
    return dict(_CONTRIBUTORS)
