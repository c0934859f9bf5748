"""The merge review screens through HTTP: who may use them, what they show, what they do,
query counts, and two venues kept apart."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.dedup.merging import merge_contacts
from crm.models import Contact, DedupSettings, DuplicateCandidate, Merge
from tenants.accounts.models import User
from tests.helpers import in_venue

from .factories import ContactFactory


def _pairs(n: int) -> list[DuplicateCandidate]:
    pairs = []
    for i in range(n):
        a = ContactFactory(first_name="Hélène", last_name="Dupont", phone="+33639980011")
        b = ContactFactory(first_name="Helene", last_name="Dupond", phone="+33639980011")
        pairs.append(
            DuplicateCandidate.objects.create(
                contact_low=a, contact_high=b, score=0.8 - i / 100, reasons=["phone"]
            )
        )
    return pairs


@pytest.fixture
def steward(venue_a, make_staff):
    return make_staff(venue_a, role=User.Role.DATA_STEWARD)


def test_the_steward_reviews_a_pair_side_by_side(venue_a, steward, client_for):
    with in_venue(venue_a):
        first, second = _pairs(2)
    client = client_for(venue_a, steward)
    page = client.get("/backoffice/contacts/duplicates/").content.decode()
    assert "Dupont" in page and "Dupond" in page
    assert 'class="dd-differs"' in page  # the last names differ
    assert 'data-dd-key="j"' in page and f"?pair={second.pk}" in page
    assert "<kbd>m</kbd>" in page and "<kbd>d</kbd>" in page
    assert 'href="/backoffice/contacts/duplicates/"' in page  # in the navigation
    page = client.get(f"/backoffice/contacts/duplicates/?pair={second.pk}").content.decode()
    assert 'data-dd-key="k"' in page and f"?pair={first.pk}" in page


def test_merge_dismiss_and_undo_from_the_screens(venue_a, steward, client_for):
    with in_venue(venue_a):
        first, second = _pairs(2)
    client = client_for(venue_a, steward)
    response = client.post(
        f"/backoffice/contacts/duplicates/{first.pk}/merge/", {"keep": first.contact_high_id}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?pair={second.pk}")
    response = client.post(f"/backoffice/contacts/duplicates/{second.pk}/dismiss/")
    assert response.status_code == 302
    with in_venue(venue_a):
        merge = Merge.objects.get()
        assert (merge.kept_id, merge.absorbed_id) == (first.contact_high_id, first.contact_low_id)
        assert merge.actor_label == str(steward)
        assert DuplicateCandidate.objects.get(pk=second.pk).status == "dismissed"
    history = client.get("/backoffice/contacts/duplicates/merges/").content.decode()
    assert f"/backoffice/contacts/duplicates/merges/{merge.pk}/undo/" in history
    client.post(f"/backoffice/contacts/duplicates/merges/{merge.pk}/undo/")
    with in_venue(venue_a):
        assert Contact.objects.get(pk=first.contact_low_id).merged_into_id is None
    # A keep that is not one of the pair is refused, nothing merged.
    client.post(f"/backoffice/contacts/duplicates/{first.pk}/merge/", {"keep": 999999})
    with in_venue(venue_a):
        assert Merge.objects.filter(undone_at__isnull=True).count() == 0


def test_thresholds_are_set_by_the_steward(venue_a, steward, client_for):
    client = client_for(venue_a, steward)
    client.post(
        "/backoffice/contacts/duplicates/thresholds/",
        {"review_threshold": "0.6", "auto_merge_threshold": "0.95"},
    )
    client.post(
        "/backoffice/contacts/duplicates/thresholds/",
        {"review_threshold": "0.9", "auto_merge_threshold": "0.5"},  # refused
    )
    with in_venue(venue_a):
        settings = DedupSettings.objects.get()
        assert (settings.review_threshold, settings.auto_merge_threshold) == (0.6, 0.95)


@pytest.mark.parametrize(
    "role", [User.Role.BOX_OFFICE, User.Role.COMMUNICATION, User.Role.READ_ONLY]
)
def test_other_roles_cannot_merge(venue_a, make_staff, client_for, role):
    with in_venue(venue_a):
        (pair,) = _pairs(1)
    client = client_for(venue_a, make_staff(venue_a, role))
    assert client.get("/backoffice/contacts/duplicates/").status_code == 403
    assert (
        client.post(
            f"/backoffice/contacts/duplicates/{pair.pk}/merge/", {"keep": pair.contact_low_id}
        ).status_code
        == 403
    )
    assert "/backoffice/contacts/duplicates/" not in client.get("/backoffice/").content.decode()
    with in_venue(venue_a):
        assert not Merge.objects.exists()


def test_two_venues_never_see_each_others_pairs(venue_a, venue_b, make_staff, client_for):
    with in_venue(venue_a):
        (pair,) = _pairs(1)
        a, b = ContactFactory(), ContactFactory()
        merge = merge_contacts(keep_id=a.pk, absorb_id=b.pk, actor=None)
    other = client_for(venue_b, make_staff(venue_b, User.Role.DATA_STEWARD))
    page = other.get("/backoffice/contacts/duplicates/").content.decode()
    assert "Dupond" not in page
    assert (
        other.post(
            f"/backoffice/contacts/duplicates/{pair.pk}/merge/", {"keep": pair.contact_low_id}
        ).status_code
        == 404
    )
    history = other.get("/backoffice/contacts/duplicates/merges/").content.decode()
    assert f"#{a.pk}" not in history
    other.post(f"/backoffice/contacts/duplicates/merges/{merge.pk}/undo/")
    with in_venue(venue_a):
        assert DuplicateCandidate.objects.get(pk=pair.pk).status == "pending"
        assert Merge.objects.get(pk=merge.pk).undone_at is None


def _queries(client, url: str) -> int:
    client.get(url)  # the connection back in the venue's schema, its settings row created
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_queue_or_the_history(venue_a, steward, client_for):
    client = client_for(venue_a, steward)
    with in_venue(venue_a):
        _pairs(2)
        merge_contacts(keep_id=ContactFactory().pk, absorb_id=ContactFactory().pk, actor=None)
    queue_small = _queries(client, "/backoffice/contacts/duplicates/")
    history_small = _queries(client, "/backoffice/contacts/duplicates/merges/")
    with in_venue(venue_a):
        _pairs(15)
        for _ in range(15):
            merge_contacts(keep_id=ContactFactory().pk, absorb_id=ContactFactory().pk, actor=None)
    assert _queries(client, "/backoffice/contacts/duplicates/") == queue_small
    assert _queries(client, "/backoffice/contacts/duplicates/merges/") == history_small
    assert queue_small <= 14 and history_small <= 8, (queue_small, history_small)
