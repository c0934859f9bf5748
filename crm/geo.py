"""Where a French postcode lies: its département (and the département's region, for maps)."""

import re

_POSTCODE = re.compile(r"^\d{5}$")


def department_of(postcode: str, country: str = "FR") -> str:
    """The département code of a French postcode ("75011" → "75", "20090" → "2A",
    "97411" → "974"), or "" when it is not one (abroad, malformed).

    Corsica shares the 20 prefix: 200xx–201xx are Corse-du-Sud (2A), 202xx–206xx Haute-Corse
    (2B). Overseas départements and collectivities use three digits (971–988)."""
    code = (postcode or "").strip().replace(" ", "")
    if (country or "FR").upper() not in ("FR", "") or not _POSTCODE.match(code):
        return ""
    if code.startswith("20"):
        return "2A" if code[2] in "01" else "2B"
    if code.startswith(("97", "98")):
        return code[:3]
    if code.startswith("00"):
        return ""
    return code[:2]
