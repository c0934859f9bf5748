"""Postcode → département → region, as the audience page maps it: Corsica, overseas,
abroad and unknown; the shipped map."""

import os

import pytest
from django.utils import translation

from analytics import geography
from crm.geo import department_of


@pytest.mark.parametrize(
    ("postcode", "country", "code", "name", "region"),
    [
        ("75011", "FR", "75", "Paris", "Île-de-France"),
        ("20090", "FR", "2A", "Corse-du-Sud", "Corse"),
        ("20200", "FR", "2B", "Haute-Corse", "Corse"),
        ("97411", "FR", "974", "La Réunion", "La Réunion"),
        ("97300", "FR", "973", "Guyane", "Guyane"),
        ("98800", "FR", "988", "Nouvelle-Calédonie", "Collectivités d'outre-mer"),
        ("01000", "FR", "01", "Ain", "Auvergne-Rhône-Alpes"),
        ("1000", "BE", "", "Unknown", "Unknown"),
        ("", "FR", "", "Unknown", "Unknown"),
    ],
)
def test_postcode_to_region(postcode, country, code, name, region):
    assert department_of(postcode, country) == code
    with translation.override("en"):
        place = geography.place(code)
    assert (place["name"], place["region"]) == (name, region)


def test_abroad_has_its_own_code():
    with translation.override("en"):
        place = geography.place(geography.ABROAD)
    assert (place["name"], place["region_code"]) == ("Abroad", "")
    assert geography.ABROAD not in geography.DEPARTMENTS


def test_every_department_has_a_region_and_every_shape_a_department():
    assert all(region in geography.REGIONS for _n, region in geography.DEPARTMENTS.values())
    metropolitan = {c for c in geography.DEPARTMENTS if len(c) == 2}
    assert set(geography.shapes()["departments"]) == metropolitan
    assert len(metropolitan) == 96
    assert os.path.getsize(geography.SHAPES) < 300_000


def test_the_map_is_an_accessible_svg_with_a_title_per_department():
    with translation.override("en"):
        svg = str(
            geography.choropleth(
                {"75": 120, "2A": 3, "13": 40}, link="/c/?d={code}", label="Spectateurs"
            )
        )
    assert svg.startswith('<svg class="geo-map"') and 'role="img"' in svg
    assert svg.count("<path ") == 96 and svg.count("<title>") == 97
    assert '<a href="/c/?d=2A">' in svg and '<a href="/c/?d=01">' not in svg  # none in Ain
    assert "Corse-du-Sud (2A): 3" in svg
    assert 'data-code="75"' in svg and "geo-c5" in svg and "geo-c0" in svg
