"""Orders follow merges: once crm merges two contacts, the absorbed contact's orders,
invitations and held tickets belong to the kept one (its spectator space, its orders on the
contact page); undoing the merge gives back exactly those, and an order placed since stays."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail

from crm.dedup.merging import merge_contacts, unmerge_contacts
from crm.models import Contact
from tenants.accounts.models import AuditEvent, User
from tenants.events.services.dispatch import dispatch_pending
from tests.helpers import in_venue
from ticketing.models import ContactMergeMove, Order, Seat, Ticket
from ticketing.services import merges

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _sell(venue, client, performance, label: str, **buyer) -> Order:
    with in_venue(venue):
        seat_id = Seat.objects.get(section__layout=performance.layout, label=label).pk
    data = {"pay_method": ["cash"], "pay_amount": [""], "pay_reference": [""], **buyer}
    response = client.post(
        f"/backoffice/box-office/{performance.pk}/", {"seats": [seat_id], **data}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_venue(venue):
        return Order.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def _sign_in(client, email: str, capture) -> None:
    with capture(execute=True):
        client.post("/space/sign-in/", {"email": email, "action": "link"})
    path = urlparse(re.search(r"https?://\S+", mail.outbox[-1].body).group(0)).path
    assert client.post(path).status_code == 302


def _references(client, path: str) -> str:
    return client.get(path).content.decode()


def test_orders_and_tickets_follow_a_merge_and_its_undoing(
    venue_a, performance, counter, client_for, make_staff, django_capture_on_commit_callbacks
):
    kept_order = _sell(venue_a, counter, performance, "A1", first_name="Marie",
                       last_name="Curie", email="marie@example.fr")  # fmt: skip
    absorbed_order = _sell(venue_a, counter, performance, "A2", first_name="Marie",
                           last_name="Curie", phone="06 12 34 56 78")  # fmt: skip
    other_order = _sell(venue_a, counter, performance, "A3", last_name="Tiers", postcode="49100")
    with in_venue(venue_a):
        kept = Contact.objects.get(email_normalized="marie@example.fr")
        absorbed = absorbed_order.contact
        assert absorbed.pk != kept.pk and kept_order.contact_id == kept.pk
        # A ticket of someone else's order held by the absorbed contact (a companion).
        held = other_order.tickets.get()
        Ticket.objects.filter(pk=held.pk).update(holder_contact=absorbed)
        merge = merge_contacts(keep_id=kept.pk, absorb_id=absorbed.pk, actor=None)
        dispatch_pending()
        absorbed_order.refresh_from_db()
        held.refresh_from_db()
        assert absorbed_order.contact_id == kept.pk and held.holder_contact_id == kept.pk
        assert other_order.contact_id != kept.pk
        assert ContactMergeMove.objects.filter(merge_id=merge.pk).count() == 2
        assert AuditEvent.objects.filter(code="ticketing.contact_merge.followed").exists()

    # The contact page's "their orders" and the spectator's space show both orders.
    staff = client_for(venue_a, make_staff(venue_a, User.Role.COMMUNICATION))
    staff.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    detail = staff.get(f"/backoffice/contacts/{kept.pk}/").content.decode()
    assert f"/backoffice/orders/?contact={kept.pk}" in detail
    listed = _references(staff, f"/backoffice/orders/?contact={kept.pk}")
    assert kept_order.reference in listed and absorbed_order.reference in listed
    assert other_order.reference not in listed
    spectator = client_for(venue_a)
    spectator.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    _sign_in(spectator, "marie@example.fr", django_capture_on_commit_callbacks)
    space = _references(spectator, "/space/")
    assert kept_order.reference in space and absorbed_order.reference in space

    # An order the kept contact places after the merge stays theirs when it is undone.
    later = _sell(venue_a, counter, performance, "A4", email="marie@example.fr")
    with in_venue(venue_a):
        assert later.contact_id == kept.pk
        unmerge_contacts(merge_id=merge.pk, actor=None)
        dispatch_pending()
        assert Order.objects.get(pk=absorbed_order.pk).contact_id == absorbed.pk
        assert Ticket.objects.get(pk=held.pk).holder_contact_id == absorbed.pk
        assert Order.objects.get(pk=kept_order.pk).contact_id == kept.pk
        assert Order.objects.get(pk=later.pk).contact_id == kept.pk
        assert not ContactMergeMove.objects.filter(undone_at__isnull=True).exists()
    listed = _references(staff, f"/backoffice/orders/?contact={kept.pk}")
    assert absorbed_order.reference not in listed and later.reference in listed
    listed = _references(staff, f"/backoffice/orders/?contact={absorbed.pk}")
    assert absorbed_order.reference in listed and kept_order.reference not in listed
    space = _references(spectator, "/space/")
    assert kept_order.reference in space and absorbed_order.reference not in space


def test_following_a_merge_twice_moves_nothing_more(venue_a, performance, counter):
    order = _sell(venue_a, counter, performance, "B1", last_name="Un", phone="0611111111")
    _sell(venue_a, counter, performance, "B2", last_name="Deux", phone="0622222222")
    with in_venue(venue_a):
        one, two = order.contact_id, Order.objects.exclude(pk=order.pk).get().contact_id
        first = merges.follow_contact_merge(merge_id=99, kept_id=two, absorbed_id=one)
        again = merges.follow_contact_merge(merge_id=99, kept_id=two, absorbed_id=one)
        assert first["order_contact"] == 1 and again["order_contact"] == 0
        merges.undo_contact_merge(merge_id=99, kept_id=two, absorbed_id=one)
        merges.undo_contact_merge(merge_id=99, kept_id=two, absorbed_id=one)
        assert Order.objects.get(pk=order.pk).contact_id == one
        assert Order.objects.filter(contact_id=two).count() == 1
