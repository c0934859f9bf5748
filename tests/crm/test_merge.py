"""Merging contacts keeps everything and is undone exactly; concurrent merges of one pair."""

import time
from datetime import UTC, date, datetime

import pytest
from django.core import serializers

from crm.dedup import merging
from crm.dedup.merging import MergeError, UnmergeError, merge_contacts, most_protective
from crm.dedup.merging import unmerge_contacts as unmerge
from crm.models import (
    Affinity,
    Consent,
    Contact,
    ContactEmail,
    ContactRelation,
    DuplicateCandidate,
    Favourite,
    GenreStats,
    Merge,
    QuarterStats,
    SeasonStats,
    Source,
    TimelineEvent,
)
from crm.services import record_purchase, relate_contacts, set_consent
from tenants.accounts.models import AuditEvent
from tenants.events.models import Event
from tests.helpers import committed, in_venue, run_together

from .factories import ContactFactory

MODELS = (
    Contact,
    Consent,
    TimelineEvent,
    ContactEmail,
    ContactRelation,
    Favourite,
    SeasonStats,
    GenreStats,
    QuarterStats,
    Affinity,
)
AT = datetime(2026, 3, 14, 20, 30, tzinfo=UTC)


def every_row() -> dict[str, list[dict]]:
    """Every row of every contact table, field by field."""
    return {
        model._meta.label_lower: serializers.serialize("python", model.objects.order_by("pk"))
        for model in MODELS
    }


def _rich_pair():
    """Two contacts with a bit of everything, a third and a fourth to relate them to, and a
    fifth merged into the absorbed one earlier."""
    kept = ContactFactory(first_name="Hélène", last_name="Dupont", phone="+33639980001")
    absorbed = ContactFactory(
        first_name="Helene",
        last_name="Dupond",
        phone="+33639980002",
        address_line1="3 rue des Lilas",
        notes="Préfère le balcon.",
        tags=["abonnée"],
        genres_seen=["danse"],
    )
    other, household = ContactFactory(), ContactFactory()
    ContactFactory(merged_into=absorbed, email="", email_normalized="")
    record_purchase(
        contact_id=kept.pk, order_reference="ORD-1", tickets=2, amount_cents=4000, occurred_at=AT
    )
    record_purchase(
        contact_id=absorbed.pk,
        order_reference="ORD-2",
        tickets=1,
        amount_cents=1500,
        occurred_at=datetime(2025, 1, 5, 20, tzinfo=UTC),
    )
    set_consent(
        contact=absorbed,
        channel=Consent.Channel.EMAIL_NEWSLETTER,
        granted=False,
        source=Source.WEB,
        recorded_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    set_consent(
        contact=kept, channel=Consent.Channel.EMAIL_NEWSLETTER, granted=True, source=Source.WEB
    )
    set_consent(contact=absorbed, channel=Consent.Channel.SMS, granted=True, source=Source.WEB)
    ContactEmail.objects.create(
        contact=absorbed,
        email="h.dupond@example.org",
        email_normalized="h.dupond@example.org",
        source=Source.IMPORT,
    )
    # record_purchase keeps these rows already: set them to known values.
    SeasonStats.objects.update_or_create(
        contact=kept, season="2025-2026", defaults={"purchases": 1, "spend_cents": 4000}
    )
    SeasonStats.objects.update_or_create(
        contact=absorbed, season="2025-2026", defaults={"purchases": 2, "spend_cents": 10}
    )
    SeasonStats.objects.update_or_create(
        contact=absorbed, season="2024-2025", defaults={"purchases": 1, "attendances": 1}
    )
    GenreStats.objects.create(contact=kept, genre="danse", purchases=1, last_attended_at=AT)
    GenreStats.objects.create(
        contact=absorbed,
        genre="danse",
        attendances=3,
        last_attended_at=datetime(2027, 1, 1, tzinfo=UTC),
    )
    QuarterStats.objects.create(contact=absorbed, quarter=date(2025, 1, 1), attendances=2)
    # What record_attendance keeps with it (crm/windows.py): a quarter with two visits.
    Contact.objects.filter(pk=absorbed.pk).update(busy_quarters=[date(2025, 1, 1)])
    Affinity.objects.create(contact=kept, kind="genre", key="danse", weight=1.5)
    Affinity.objects.create(contact=absorbed, kind="genre", key="danse", weight=2.0)
    Affinity.objects.create(contact=absorbed, kind="theme", key="exil", weight=1.0)
    Favourite.objects.create(contact=kept, show_id=7)
    Favourite.objects.create(contact=absorbed, show_id=7)
    Favourite.objects.create(contact=absorbed, show_id=8)
    relate_contacts(contact_id=absorbed.pk, other_id=kept.pk, kind="came_with", source="web")
    relate_contacts(contact_id=kept.pk, other_id=other.pk, kind="friend", source="web")
    relate_contacts(contact_id=other.pk, other_id=absorbed.pk, kind="friend", source="web")
    relate_contacts(contact_id=other.pk, other_id=absorbed.pk, kind="referred_by", source="web")
    relate_contacts(contact_id=absorbed.pk, other_id=household.pk, kind="household", source="web")
    low, high = sorted((kept.pk, absorbed.pk))
    DuplicateCandidate.objects.create(contact_low_id=low, contact_high_id=high, score=0.8)
    DuplicateCandidate.objects.create(
        contact_low_id=min(absorbed.pk, other.pk),
        contact_high_id=max(absorbed.pk, other.pk),
        score=0.6,
    )
    kept.refresh_from_db()
    absorbed.refresh_from_db()
    return kept, absorbed, other, household


def test_a_merge_keeps_everything_on_the_kept_contact(venue_a, make_staff):
    steward = make_staff(venue_a, role="data_steward")
    with in_venue(venue_a):
        kept, absorbed, other, household = _rich_pair()
        earlier = Contact.objects.get(merged_into=absorbed)
        merge = merge_contacts(keep_id=kept.pk, absorb_id=absorbed.pk, actor=steward)

        kept.refresh_from_db()
        absorbed.refresh_from_db()
        assert absorbed.merged_into_id == kept.pk and absorbed.email == ""
        assert not absorbed.is_active
        # Counters summed, dates widened, lists united, blanks filled, kept values kept.
        assert (kept.purchase_count, kept.tickets_bought, kept.amount_spent_cents) == (2, 3, 5500)
        assert kept.first_purchase_at == datetime(2025, 1, 5, 20, tzinfo=UTC)
        assert kept.last_purchase_at == AT
        assert kept.first_name == "Hélène" and kept.phone == "+33639980001"
        assert kept.other_phone == "+33639980002"
        assert kept.address_line1 == "3 rue des Lilas"
        assert kept.notes == "Préfère le balcon."
        assert kept.tags == ["abonnée"] and kept.genres_seen == ["danse"]
        # The most protective consent: the old withdrawal beats the newer grant.
        assert kept.email_consent is False and kept.sms_consent is True
        for channel, column in merging.CONSENT_COLUMNS.items():
            latest = Consent.objects.filter(contact=kept, channel=channel).first()
            assert latest.granted == getattr(kept, column)
        assert Consent.objects.filter(contact=kept).count() == 4  # 3 kept or moved, 1 resolution
        assert not Consent.objects.filter(contact=absorbed).exists()
        # History moved, remembered.
        assert TimelineEvent.objects.filter(contact=kept, code="ticketing.purchase").count() == 2
        assert not TimelineEvent.objects.filter(contact=absorbed).exists()
        assert set(merge.snapshot["timeline_moved"]) == set(
            TimelineEvent.objects.filter(pk__in=merge.snapshot["timeline_moved"]).values_list(
                "pk", flat=True
            )
        )
        emails = set(kept.other_emails.values_list("email_normalized", flat=True))
        assert emails == {absorbed_email(merge), "h.dupond@example.org"}
        # Relations re-pointed; self and repeated relations gone.
        pairs = set(ContactRelation.objects.values_list("contact_id", "other_id", "kind"))
        assert pairs == {
            (kept.pk, other.pk, "friend"),
            (other.pk, kept.pk, "referred_by"),
            (kept.pk, household.pk, "household"),
        }
        # Side tables summed into the kept contact's rows (copied when it had none).
        seasons = dict(SeasonStats.objects.filter(contact=kept).values_list("season", "purchases"))
        assert seasons == {"2025-2026": 3, "2024-2025": 1}
        danse = GenreStats.objects.get(contact=kept, genre="danse")
        assert (danse.purchases, danse.attendances) == (1, 3)
        assert danse.last_attended_at == datetime(2027, 1, 1, tzinfo=UTC)
        assert QuarterStats.objects.get(contact=kept).attendances == 2
        weights = dict(Affinity.objects.filter(contact=kept).values_list("key", "weight"))
        assert weights == {"danse": 3.5, "exil": 1.0}
        assert set(Favourite.objects.filter(contact=kept).values_list("show_id", flat=True)) == {
            7,
            8,
        }
        earlier.refresh_from_db()
        assert earlier.merged_into_id == kept.pk
        # The queue: the pair merged, the absorbed contact's other pair gone.
        assert merge.candidate.status == DuplicateCandidate.Status.MERGED
        assert DuplicateCandidate.objects.count() == 1
        audit = AuditEvent.objects.get(code="crm.contact.merged")
        assert audit.actor_id == steward.pk and audit.object_id == kept.pk
        assert audit.data["absorbed_id"] == absorbed.pk
        assert Event.objects.filter(code="crm.contact.merged", key=f"contact:{kept.pk}").exists()


def absorbed_email(merge: Merge) -> str:
    return merge.snapshot["absorbed"]["email_normalized"][0]


def test_unmerge_restores_every_row_exactly(venue_a, make_staff):
    steward = make_staff(venue_a, role="data_steward")
    with in_venue(venue_a):
        kept, absorbed, _other, _household = _rich_pair()
        before = every_row()
        candidates = list(
            DuplicateCandidate.objects.order_by("pk").values_list(
                "pk", "contact_low_id", "contact_high_id", "score"
            )
        )
        merge = merge_contacts(keep_id=kept.pk, absorb_id=absorbed.pk, actor=steward)
        assert every_row() != before
        unmerge(merge_id=merge.pk, actor=steward)

        after = every_row()
        for label, rows in before.items():
            assert after[label] == rows, label
        assert (
            list(
                DuplicateCandidate.objects.order_by("pk").values_list(
                    "pk", "contact_low_id", "contact_high_id", "score"
                )
            )
            == candidates
        )
        # The pair is now "not the same person": no automatic merge will join them again.
        assert merge.candidate_id is not None
        assert DuplicateCandidate.objects.get(pk=merge.candidate_id).status == "dismissed"
        merge.refresh_from_db()
        assert merge.undone_at is not None and merge.undone_by_label == str(steward)
        assert AuditEvent.objects.filter(code="crm.contact.unmerged", object_id=kept.pk).exists()
        assert Event.objects.filter(code="crm.contact.unmerged").exists()
        with pytest.raises(UnmergeError) as error:
            unmerge(merge_id=merge.pk, actor=steward)
        assert error.value.code == "crm.merge_undone"


def test_unmerge_keeps_what_happened_since_the_merge(venue_a):
    with in_venue(venue_a):
        kept = ContactFactory()
        absorbed = ContactFactory()
        record_purchase(
            contact_id=absorbed.pk,
            order_reference="A",
            tickets=1,
            amount_cents=1000,
            occurred_at=AT,
        )
        merge = merge_contacts(keep_id=kept.pk, absorb_id=absorbed.pk, actor=None)
        record_purchase(
            contact_id=kept.pk, order_reference="B", tickets=2, amount_cents=3000, occurred_at=AT
        )
        unmerge(merge_id=merge.pk, actor=None)
        kept.refresh_from_db()
        absorbed.refresh_from_db()
        assert (kept.purchase_count, kept.amount_spent_cents) == (1, 3000)
        assert (absorbed.purchase_count, absorbed.amount_spent_cents) == (1, 1000)
        assert list(kept.timeline.values_list("dedupe_key", flat=True)) == ["B"]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (True, False, False),
        (False, True, False),
        (None, True, True),
        (None, False, False),
        (None, None, None),
        (True, True, True),
    ],
)
def test_the_most_protective_consent_wins(a, b, expected):
    assert most_protective(a, b) is expected


def test_merge_refuses_itself_and_inactive_contacts(venue_a):
    with in_venue(venue_a):
        a, b, c = ContactFactory(), ContactFactory(), ContactFactory()
        with pytest.raises(MergeError) as error:
            merge_contacts(keep_id=a.pk, absorb_id=a.pk, actor=None)
        assert error.value.code == "crm.merge_self"
        merge_contacts(keep_id=a.pk, absorb_id=b.pk, actor=None)
        for keep, absorb in ((c.pk, b.pk), (b.pk, c.pk)):
            with pytest.raises(MergeError) as error:
                merge_contacts(keep_id=keep, absorb_id=absorb, actor=None)
            assert error.value.code == "crm.merge_inactive"
        with pytest.raises(MergeError) as error:
            merge_contacts(keep_id=a.pk, absorb_id=999999, actor=None)
        assert error.value.code == "crm.contact_unknown"


def test_a_merge_stays_in_its_venue(venue_a, venue_b):
    with in_venue(venue_b):
        b_contacts = every_row()["crm.contact"]
    with in_venue(venue_a):
        a, b = ContactFactory(), ContactFactory()
        merge_contacts(keep_id=a.pk, absorb_id=b.pk, actor=None)
    with in_venue(venue_b):
        assert every_row()["crm.contact"] == b_contacts
        assert not Merge.objects.exists()


# --- Concurrency: real connections --------------------------------------------------------


@pytest.fixture
def committed_pair(venue_a):
    def make():
        return ContactFactory(email="crm-merge-a@example.fr"), ContactFactory(
            email="crm-merge-b@example.fr"
        )

    a, b = committed(venue_a, make)
    yield a, b

    def clean():
        ids = [a.pk, b.pk]
        Merge.objects.filter(kept__in=ids).delete()
        Merge.objects.filter(absorbed__in=ids).delete()
        Contact.objects.filter(pk__in=ids).update(merged_into=None)
        Contact.objects.filter(pk__in=ids).delete()

    committed(venue_a, clean)


def _race(venue, a, b, *, same_direction: bool) -> list:
    def work(i: int):
        keep, absorb = (a.pk, b.pk) if (i == 0 or same_direction) else (b.pk, a.pk)
        try:
            return ("merged", merge_contacts(keep_id=keep, absorb_id=absorb, actor=None).pk)
        except MergeError as error:
            return ("refused", error.code)
        except Exception as error:  # a database error: what the lock order must prevent
            return ("crashed", type(error).__name__)

    return run_together(venue, work, threads=2)


def _state(venue, a, b):
    def read():
        rows = dict(Contact.objects.filter(pk__in=(a.pk, b.pk)).values_list("pk", "merged_into"))
        return rows, Merge.objects.filter(kept__in=(a.pk, b.pk)).count()

    return committed(venue, read)


@pytest.mark.parametrize("same_direction", [True, False], ids=["same-pair", "opposite"])
def test_concurrent_merges_of_one_pair_make_one_merge(venue_a, committed_pair, same_direction):
    a, b = committed_pair
    outcomes = _race(venue_a, a, b, same_direction=same_direction)
    assert sorted(o[0] for o in outcomes) == ["merged", "refused"], outcomes
    assert [o[1] for o in outcomes if o[0] == "refused"] == ["crm.merge_inactive"]
    rows, merges = _state(venue_a, a, b)
    assert merges == 1
    assert set(rows.values()) in ({None, a.pk}, {None, b.pk})


def _unprotected_pair(keep_id, absorb_id):
    """What the merge would do without its locks: read both, then act (the pause lets the
    other merge read the same state)."""
    rows = {c.pk: c for c in Contact.objects.filter(pk__in=(keep_id, absorb_id))}
    time.sleep(0.3)
    return rows.get(keep_id), rows.get(absorb_id)


def test_control_without_the_lock_the_opposite_merges_race(venue_a, committed_pair, monkeypatch):
    """The same race with the locks patched out (from here, not from production code): both
    merges pass their checks, and the pair ends merged both ways or a transaction crashes."""
    monkeypatch.setattr(merging, "_lock_pair", _unprotected_pair)
    a, b = committed_pair
    outcomes = _race(venue_a, a, b, same_direction=False)
    kinds = sorted(o[0] for o in outcomes)
    assert kinds != ["merged", "refused"], outcomes
    rows, merges = _state(venue_a, a, b)
    assert "crashed" in kinds or merges == 2, (outcomes, rows)
