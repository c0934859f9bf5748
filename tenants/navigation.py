"""Back-office navigation. Each app registers the sections it really has, with the capability
needed to see them; the sidebar shows only what exists and what the user may open."""

from dataclasses import dataclass

from django.urls import reverse

from tenants.accounts.roles import user_can


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    capability: str
    order: int = 100
    group: str = ""


_REGISTRY: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _REGISTRY[item.key] = item


def items_for(user) -> list[dict]:
    visible = [item for item in _REGISTRY.values() if user_can(user, item.capability)]
    return [
        {"key": i.key, "label": i.label, "url": reverse(i.url_name), "group": i.group}
        for i in sorted(visible, key=lambda i: (i.order, i.key))
    ]
