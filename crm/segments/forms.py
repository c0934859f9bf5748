"""The segment builder's form: the definition tree as flat form fields and back.

Each node of the tree has a prefix: `n` for the top group, `n-0`, `n-0-2`… for its rules. A
group posts `<prefix>-op`, a condition `<prefix>-type` and one field per parameter
(`<prefix>-days`). Lists are typed comma-separated. What the user typed is kept as typed
(validation says what is wrong and where), so the builder works with or without JavaScript.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .definition import CONDITIONS, GROUP_OPS, VERSION

TYPE_LABELS = {
    "contact_type": _("Contact type"),
    "department": _("Département"),
    "postcode": _("Postcode starts with"),
    "language": _("Language"),
    "source": _("First source"),
    "accessibility": _("Accessibility needs"),
    "tag": _("Tags"),
    "criterion": _("Automatic criteria"),
    "has": _("Has a…"),
    "consent": _("Consent"),
    "number": _("Number (purchases, credit, referrals…)"),
    "date": _("Date (last attendance, last purchase…)"),
    "affinity": _("Affinity (genre, theme, keyword)"),
    "purchases": _("Purchases"),
    "attendance": _("Attendance"),
    "season": _("Season"),
    "email_engagement": _("Opened or clicked an email"),
    "clicked_not_bought": _("Clicked but did not buy"),
    "viewed_not_bought": _("Viewed a show but did not buy"),
    "first_timer_booked": _("First-timers booked for a performance"),
    "lapsed": _("Lapsed regulars"),
}
PARAM_LABELS = {
    "values": _("values"),
    "prefixes": _("prefixes"),
    "keys": _("keys"),
    "match": _("match"),
    "field": _("field"),
    "value": _("value"),
    "channel": _("channel"),
    "state": _("state"),
    "min": _("minimum"),
    "max": _("maximum"),
    "when": _("when"),
    "days": _("days"),
    "kind": _("kind"),
    "min_weight": _("minimum weight"),
    "show_id": _("show no."),
    "performance_id": _("performance no."),
    "campaign_id": _("campaign no."),
    "genre": _("genre"),
    "within_days": _("in the last … days"),
    "min_count": _("at least"),
    "max_count": _("at most"),
    "min_amount_cents": _("amount at least (cents)"),
    "season": _("season"),
    "min_purchases": _("purchases at least"),
    "min_attendances": _("attendances at least"),
    "min_spend_cents": _("spend at least (cents)"),
    "event": _("event"),
    "buy_within_days": _("no purchase within … days"),
    "min_per_quarter": _("per quarter at least"),
    "years": _("for … years"),
    "max_recent": _("at most, last 12 months"),
}
CHOICE_LABELS = {
    "any": _("any of them"),
    "all": _("all of them"),
    "email": _("email"),
    "phone": _("phone"),
    "postcode": _("postcode"),
    "address": _("full address"),
    "sms": _("text messages"),
    "granted": _("granted"),
    "refused": _("refused"),
    "unknown": _("never asked"),
    "purchase_count": _("purchases"),
    "tickets_bought": _("tickets bought"),
    "amount_spent_cents": _("amount spent (cents)"),
    "attendance_count": _("attendances"),
    "refund_count": _("refunds"),
    "referred_buyers": _("buyers referred"),
    "unused_credit_cents": _("unused credit (cents)"),
    "rfm_recency": _("RFM recency (1–5)"),
    "rfm_frequency": _("RFM frequency (1–5)"),
    "rfm_monetary": _("RFM amount (1–5)"),
    "first_purchase_at": _("first purchase"),
    "last_purchase_at": _("last purchase"),
    "first_attended_at": _("first attendance"),
    "last_attended_at": _("last attendance"),
    "first_seen_at": _("first seen"),
    "within_days": _("in the last … days"),
    "not_within_days": _("not in the last … days (or never)"),
    "never": _("never"),
    "ever": _("at least once"),
    "genre": _("genre"),
    "theme": _("theme"),
    "keyword": _("keyword"),
    "opened": _("opened"),
    "clicked": _("clicked"),
}
OP_LABELS = {"and": _("All of"), "or": _("Any of"), "not": _("None of")}
EMPTY_DEFINITION = {"version": VERSION, "op": "and", "rules": []}


def definition_from_post(data) -> dict:
    """The tree the form describes (not validated: the caller validates)."""
    return _group_from_post(data, "n") | {"version": VERSION}


def _children(data, prefix: str) -> list[str]:
    indices = set()
    for key in data:
        if key.startswith(prefix + "-") and key.endswith(("-op", "-type")):
            rest = key[len(prefix) + 1 :].split("-", 1)[0]
            if rest.isdigit():
                indices.add(int(rest))
    return [f"{prefix}-{i}" for i in sorted(indices)]


def _group_from_post(data, prefix: str) -> dict:
    rules = []
    for child in _children(data, prefix):
        if f"{child}-type" in data:
            rules.append(_condition_from_post(data, child))
        elif f"{child}-op" in data:
            rules.append(_group_from_post(data, child))
    return {"op": data.get(f"{prefix}-op", "and"), "rules": rules}


def _condition_from_post(data, prefix: str) -> dict:
    kind = data.get(f"{prefix}-type", "")
    node: dict = {"type": kind}
    for name, param in CONDITIONS.get(kind, {}).items():
        raw = (data.get(f"{prefix}-{name}") or "").strip()
        if raw == "":
            continue
        if param.kind == "int":
            node[name] = int(raw) if raw.lstrip("-").isdigit() else raw
        elif param.kind == "float":
            try:
                node[name] = float(raw.replace(",", "."))
            except ValueError:
                node[name] = raw
        elif param.kind == "bool":
            node[name] = raw == "true"
        elif param.kind == "strs":
            node[name] = [part.strip() for part in raw.split(",") if part.strip()]
        else:
            node[name] = raw
    return node


def apply_action(tree: dict, action: str) -> tuple[dict, str]:
    """`add-condition:n-1`, `add-group:n`, `remove:n-0-2` on the tree; returns the tree and
    the prefix of the control to focus next (the new rule, or the group's add button)."""
    verb, _sep, prefix = action.partition(":")
    path = [int(i) for i in prefix.split("-")[1:] if i.isdigit()]
    if verb == "remove" and path:
        parent = _node_at(tree, path[:-1])
        if parent and 0 <= path[-1] < len(parent["rules"]):
            parent["rules"].pop(path[-1])
            return tree, "-".join(["n", *map(str, path[:-1])]) + ":add"
    elif verb in ("add-condition", "add-group"):
        group = _node_at(tree, path)
        if group is not None and "rules" in group:
            new = {"type": "consent", "channel": "email", "state": "granted"}
            if verb == "add-group":
                new = {"op": "or", "rules": [new]}
            group["rules"].append(new)
            return tree, "-".join(["n", *map(str, path), str(len(group["rules"]) - 1)])
    return tree, ""


def _node_at(tree: dict, path: list[int]) -> dict | None:
    node = tree
    for index in path:
        rules = node.get("rules") or []
        if not 0 <= index < len(rules):
            return None
        node = rules[index]
    return node


def field_of_error(path: str | None) -> str:
    """`rules.0.rules.1.days` → the form field `n-0-1-days` (to mark it invalid)."""
    parts = (path or "").split(".")
    prefix, i = "n", 0
    while i < len(parts):
        if parts[i] == "rules" and i + 1 < len(parts) and parts[i + 1].isdigit():
            prefix += f"-{parts[i + 1]}"
            i += 2
        else:
            return f"{prefix}-{parts[i]}"
    return prefix


def editor_nodes(tree: dict, focus: str = "") -> dict:
    """The tree annotated for the template: prefixes, labels, parameter widgets, and which
    control takes the focus after a rule was added or removed (keyboard users stay put)."""
    return _annotate(tree, "n", 0, focus)


def _annotate(node: dict, prefix: str, depth: int, focus: str = "") -> dict:
    if "type" not in node:
        return {
            "is_group": True,
            "prefix": prefix,
            "focus": focus == prefix,
            "focus_add": focus == f"{prefix}:add",
            "op": node.get("op", "and"),
            "depth": depth,
            "ops": [(op, OP_LABELS[op]) for op in GROUP_OPS],
            "rules": [
                _annotate(child, f"{prefix}-{i}", depth + 1, focus)
                for i, child in enumerate(node.get("rules", []))
            ],
        }
    kind = node.get("type")
    params = []
    for name, param in CONDITIONS.get(kind, {}).items():
        value = node.get(name, "")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        params.append(
            {
                "name": name,
                "id": f"{prefix}-{name}",
                "label": PARAM_LABELS.get(name, name),
                "kind": param.kind,
                "value": value,
                "required": param.required,
                "choices": [(c, CHOICE_LABELS.get(c, c)) for c in param.choices or ()],
                "placeholder": "" if param.default is None else str(param.default),
            }
        )
    return {
        "is_group": False,
        "prefix": prefix,
        "focus": focus == prefix,
        "type": kind,
        "depth": depth,
        "types": list(TYPE_LABELS.items()),
        "params": params,
    }
