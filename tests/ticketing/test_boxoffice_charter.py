"""The counter's inline buyer creation shows the venue's data-entry charter and obeys it when
it creates a contact; a sale without identity stays possible."""

import pytest

from crm.charter.services import update_charter
from crm.models import Contact
from tenants.accounts.models import User
from tests.helpers import in_venue
from ticketing.models import Order, Seat

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _sale(client, performance, seat_id, **fields):
    data = {"pay_method": ["cash"], "pay_amount": [""], "pay_reference": [""], **fields}
    return client.post(f"/backoffice/box-office/{performance.pk}/", {"seats": [seat_id], **data})


def test_the_counter_shows_the_charter_and_obeys_it(venue_a, performance, counter):
    with in_venue(venue_a):
        update_charter(
            required_fields=["postcode"],
            name_style="upper_last",
            strict_postcode=False,
            strict_phone=False,
            instructions="",
        )
        a1 = Seat.objects.get(section__layout=performance.layout, label="A1").pk
    page = counter.get(f"/backoffice/box-office/{performance.pk}/").content.decode()
    assert "Data-entry charter" in page and "Postcode" in page
    refused = _sale(counter, performance, a1, last_name="durand", phone="0611223344")
    assert refused.status_code == 400
    assert "The venue&#x27;s charter requires a postcode." in refused.content.decode()
    with in_venue(venue_a):
        assert not Order.objects.exists() and not Contact.objects.exists()
    # Nothing typed: an anonymous sale, no contact, no charter.
    assert _sale(counter, performance, a1).status_code == 302
    with in_venue(venue_a):
        assert Order.objects.get().contact is None
        a2 = Seat.objects.get(section__layout=performance.layout, label="A2").pk
    sold = _sale(counter, performance, a2, last_name="durand", postcode="49100")
    assert sold.status_code == 302
    with in_venue(venue_a):
        contact = Order.objects.exclude(contact=None).get().contact
        assert (contact.last_name, contact.department) == ("DURAND", "49")
