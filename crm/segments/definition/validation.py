"""Validation of a definition: the first problem found, with a code and the path of the bad
node, or the tree normalised (defaults filled in, lists de-duplicated)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tenants.errors import ValidationFailed

from .schema import CONDITIONS, GROUP_OPS, MAX_DEPTH, MAX_LIST, MAX_NODES, VERSION, Param


class SegmentDefinitionInvalid(ValidationFailed):
    """`code` says what is wrong (segments.*), `field` the path of the bad node
    ("rules.1.rules.0.days")."""


def _fail(code: str, path: str, message: str) -> None:
    raise SegmentDefinitionInvalid(message, code=f"segments.{code}", field=path or "definition")


def _join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def validate_definition(definition: Any) -> dict:
    """The definition, normalised (defaults filled in, lists de-duplicated), or
    SegmentDefinitionInvalid for the first problem found."""
    if not isinstance(definition, dict):
        _fail("not_an_object", "", _("A segment definition must be a JSON object."))
    version = definition.get("version")
    if version != VERSION:
        _fail(
            "unknown_version",
            "version",
            _("Unknown definition version (expected %(v)s).") % {"v": VERSION},
        )
    counter = {"nodes": 0}
    root = {k: v for k, v in definition.items() if k != "version"}
    if "type" in root:
        _fail("root_not_group", "", _("The top of a definition must be a group (and/or/not)."))
    group = _validate_node(root, "", 1, counter)
    return {"version": VERSION, **group}


def _validate_node(node: Any, path: str, depth: int, counter: dict) -> dict:
    if not isinstance(node, dict):
        _fail("not_an_object", path, _("Each rule must be a JSON object."))
    counter["nodes"] += 1
    if counter["nodes"] > MAX_NODES:
        _fail("too_many_rules", path, _("At most %(n)s rules in a segment.") % {"n": MAX_NODES})
    if "type" in node:
        return _validate_condition(node, path)
    if "op" in node:
        return _validate_group(node, path, depth, counter)
    _fail("missing_op_or_type", path, _("A rule needs an “op” (group) or a “type” (condition)."))


def _validate_group(node: dict, path: str, depth: int, counter: dict) -> dict:
    if depth > MAX_DEPTH:
        _fail("too_deep", path, _("Groups nest %(n)s levels deep at most.") % {"n": MAX_DEPTH})
    extra = set(node) - {"op", "rules"}
    if extra:
        _fail("unknown_key", _join(path, sorted(extra)[0]), _("Unknown key in a group."))
    op = node["op"]
    if op not in GROUP_OPS:
        _fail("unknown_op", _join(path, "op"), _("A group's op is “and”, “or” or “not”."))
    rules = node.get("rules")
    if not isinstance(rules, list) or not rules:
        _fail("empty_group", _join(path, "rules"), _("A group needs at least one rule."))
    children = [
        _validate_node(child, _join(_join(path, "rules"), i), depth + 1, counter)
        for i, child in enumerate(rules)
    ]
    return {"op": op, "rules": children}


def _validate_condition(node: dict, path: str) -> dict:
    kind = node["type"]
    if not isinstance(kind, str) or kind not in CONDITIONS:
        _fail("unknown_type", _join(path, "type"), _("Unknown condition type."))
    spec = CONDITIONS[kind]
    extra = set(node) - set(spec) - {"type"}
    if extra:
        name = sorted(extra)[0]
        _fail("unknown_key", _join(path, name), _("Unknown parameter for this condition."))
    clean: dict[str, Any] = {"type": kind}
    for name, param in spec.items():
        value = node.get(name)
        where = _join(path, name)
        if value is None:
            if param.required:
                _fail("missing", where, _("This parameter is required."))
            if param.default is not None:
                clean[name] = param.default
            continue
        clean[name] = _clean_value(param, value, where)
    _check_condition(clean, path)
    return clean


def _clean_value(param: Param, value: Any, where: str) -> Any:
    if param.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            _fail("not_an_integer", where, _("A whole number is expected."))
        if not param.low <= value <= param.high:
            _fail(
                "out_of_range",
                where,
                _("Between %(low)s and %(high)s.") % {"low": param.low, "high": int(param.high)},
            )
        return value
    if param.kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            _fail("not_a_number", where, _("A number is expected."))
        if not param.low <= value <= param.high:
            _fail("out_of_range", where, _("This number is out of range."))
        return float(value)
    if param.kind == "bool":
        if not isinstance(value, bool):
            _fail("not_a_boolean", where, _("true or false is expected."))
        return value
    if param.kind == "enum":
        if value not in param.choices:
            _fail(
                "unknown_choice",
                where,
                _("Expected one of: %(choices)s.") % {"choices": ", ".join(param.choices)},
            )
        return value
    if param.kind == "str":
        return _clean_str(param, value, where)
    # strs
    if not isinstance(value, list) or not value:
        _fail("empty_list", where, _("A non-empty list is expected."))
    if len(value) > MAX_LIST:
        _fail("list_too_long", where, _("At most %(n)s values.") % {"n": MAX_LIST})
    cleaned = [_clean_str(param, item, _join(where, i)) for i, item in enumerate(value)]
    return list(dict.fromkeys(cleaned))


def _clean_str(param: Param, value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail("not_a_string", where, _("A non-empty text is expected."))
    value = value.strip()
    if len(value) > param.max_length:
        _fail("too_long", where, _("At most %(n)s characters.") % {"n": param.max_length})
    if param.choices is not None and value not in param.choices:
        _fail(
            "unknown_choice",
            where,
            _("Expected one of: %(choices)s.") % {"choices": ", ".join(param.choices)},
        )
    if param.pattern is not None and not param.pattern.match(value):
        _fail("bad_format", where, _("This value is not in the expected format."))
    return value


def _check_condition(c: dict, path: str) -> None:
    """Rules between parameters of one condition."""
    kind = c["type"]
    if kind == "number" and c.get("min") is None and c.get("max") is None:
        _fail("missing", _join(path, "min"), _("Give a minimum, a maximum or both."))
    if kind == "date" and c["when"] in ("within_days", "not_within_days") and "days" not in c:
        _fail("missing", _join(path, "days"), _("This parameter is required."))
    for low, high in (("min", "max"), ("min_count", "max_count")):
        if c.get(low) is not None and c.get(high) is not None and c[low] > c[high]:
            _fail("min_above_max", _join(path, high), _("The maximum is below the minimum."))
    thresholds = ("min_purchases", "min_attendances", "min_spend_cents")
    if kind == "season" and not any(k in c for k in thresholds):
        _fail("missing", _join(path, "min_attendances"), _("Give at least one threshold."))


def walk(definition: dict):
    """Every condition of a (validated) tree."""
    for rule in definition.get("rules", []):
        if "type" in rule:
            yield rule
        else:
            yield from walk(rule)
