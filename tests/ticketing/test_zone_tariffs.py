"""Standing places with a tariff each: a family buys 4 places in the Fosse (Cat. 2: plein
18 €, reduit 10 €), 2 at full price and 2 reduced, through the service, the API, the box
office and the storefront; the quote shows what the sale charges."""

import pytest

from tenants.accounts.models import User
from tests.helpers import in_venue
from tests.ticketing.test_storefront import BUYER
from tests.ticketing.test_views_boxoffice import post_sale
from ticketing import selectors
from ticketing.errors import InvalidRequest
from ticketing.models import Hold, Order, PerformanceZone, Tariff
from ticketing.selectors import Place
from ticketing.services import inventory, orders, programme
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import TariffChoice
from ticketing.templatetags.ticketing_ui import money

pytestmark = pytest.mark.django_db


def ids() -> dict[str, int]:
    return dict(Tariff.objects.values_list("code", "pk"))


def fosse(performance) -> PerformanceZone:
    return performance.zone_states.get()


# Two places at full price and two reduced, as sold: (tariff code, price in cents).
FAMILY = [("plein", 1800), ("plein", 1800), ("reduit", 1000), ("reduit", 1000)]


def sold(order) -> list[tuple[str, int, int]]:
    return sorted(
        (t.tariff.code, t.price_cents, t.fee_cents) for t in order.tickets.select_related("tariff")
    )


def sell_family(performance):
    """orders.sell of 4 standing places in the Fosse: 2 at full price, 2 reduced."""
    zone, t = fosse(performance), ids()
    return orders.sell(
        performance=performance,
        request=HoldRequest(zones={zone.pk: 4}),
        tariffs=TariffChoice(default=t["plein"], zones={zone.pk: {t["plein"]: 2, t["reduit"]: 2}}),
        allow_pending=True,
    )


# --- Service --------------------------------------------------------------------------------
def test_a_split_prices_each_standing_place_at_its_tariff_with_a_fee_per_ticket(
    venue_a, performance
):
    with in_venue(venue_a):
        programme.update_sales_settings(fee_cents=50, fee_percent_bp=0)
        zone = fosse(performance)
        order = sell_family(performance)
        assert sold(order) == [
            ("plein", 1800, 50),
            ("plein", 1800, 50),
            ("reduit", 1000, 50),
            ("reduit", 1000, 50),
        ]
        assert (order.fee_cents, order.total_cents) == (200, 2 * 1800 + 2 * 1000 + 200)
        assert {tk.performance_zone_id for tk in order.tickets.all()} == {zone.pk}
        zone.refresh_from_db()
        assert (zone.sold, zone.held) == (4, 0)


def test_places_left_out_of_the_split_take_the_default_tariff(venue_a, performance):
    with in_venue(venue_a):
        zone, t = fosse(performance), ids()
        hold = inventory.create_hold(
            performance=performance, request=HoldRequest(zones={zone.pk: 3})
        )
        order = orders.confirm_order(
            hold_token=hold.token,
            tariffs=TariffChoice(default=t["plein"], zones={zone.pk: {t["reduit"]: 1}}),
            allow_pending=True,
        )
        assert [code for code, _p, _f in sold(order)] == ["plein", "plein", "reduit"]
        assert order.total_cents == 2 * 1800 + 1000


@pytest.mark.parametrize("split", [{"reduit": 3}, {"plein": 1, "reduit": 2}], ids=str)
def test_a_split_asking_for_more_places_than_held_is_refused(venue_a, performance, split):
    with in_venue(venue_a):
        zone, t = fosse(performance), ids()
        hold = inventory.create_hold(
            performance=performance, request=HoldRequest(zones={zone.pk: 2})
        )
        with pytest.raises(InvalidRequest) as refused:
            orders.confirm_order(
                hold_token=hold.token,
                tariffs=TariffChoice(
                    default=t["plein"], zones={zone.pk: {t[c]: n for c, n in split.items()}}
                ),
                allow_pending=True,
            )
        assert refused.value.field == "zone_tariffs"
        assert "(3)" in refused.value.message and "(2)" in refused.value.message
    with in_venue(venue_a):  # the transaction was rolled back: the cart is still live
        assert Hold.objects.get(pk=hold.pk).status == Hold.Status.ACTIVE
        assert not Order.objects.exists()


def test_a_split_for_a_zone_not_in_the_cart_is_refused(venue_a, performance):
    with in_venue(venue_a):
        zone, t = fosse(performance), ids()
        with pytest.raises(InvalidRequest):
            orders.sell(
                performance=performance,
                request=HoldRequest(zones={zone.pk: 1}),
                tariffs=TariffChoice(default=t["plein"], zones={zone.pk + 999: {t["reduit"]: 1}}),
                allow_pending=True,
            )


# --- Quote = sale ---------------------------------------------------------------------------
def test_the_quote_of_a_split_is_what_the_sale_charges(venue_a, performance):
    with in_venue(venue_a):
        programme.update_sales_settings(fee_cents=0, fee_percent_bp=333)
        zone, t = fosse(performance), ids()
        places = [
            Place(zone.category_id, t["plein"], 2, zone_id=zone.pk),
            Place(zone.category_id, t["reduit"], 2, zone_id=zone.pk),
        ]
        quote = selectors.quote(performance, places)
        order = sell_family(performance)
        assert quote.priced
        assert (quote.total_cents, quote.fee_cents) == (order.total_cents, order.fee_cents)
        quoted = sorted(
            (line.price_cents, line.fee_cents, line.price.tariff_id)
            for line in quote.lines
            for _ in range(line.place.quantity)
        )
        tickets = sorted((tk.price_cents, tk.fee_cents, tk.tariff_id) for tk in order.tickets.all())
        assert quoted == tickets


# --- API ------------------------------------------------------------------------------------
def order_body(performance, zone_id, **extra):
    return {
        "performance": performance.pk,
        "zones": {str(zone_id): 4},
        "tariff": "plein",
        "payment": {"method": "offline_test"},
        **extra,
    }


def test_an_api_order_splits_standing_places_between_tariffs(api, venue_a, performance):
    with in_venue(venue_a):
        zone = fosse(performance)
    response = api.post(
        "/api/v1/orders/",
        order_body(performance, zone.pk, zone_tariffs={str(zone.pk): {"plein": 2, "reduit": 2}}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "paid" and body["total_cents"] == 2 * 1800 + 2 * 1000
    assert sorted((t["tariff"], t["performance_zone_id"]) for t in body["tickets"]) == [
        ("plein", zone.pk),
        ("plein", zone.pk),
        ("reduit", zone.pk),
        ("reduit", zone.pk),
    ]


def test_an_api_order_confirming_a_hold_takes_a_split(api, venue_a, performance):
    with in_venue(venue_a):
        zone = fosse(performance)
    hold = api.post(
        "/api/v1/holds/",
        {"performance": performance.pk, "zones": {str(zone.pk): 4}},
        content_type="application/json",
    ).json()

    def confirm(split):
        return api.post(
            "/api/v1/orders/",
            {
                "hold": hold["token"],
                "tariff": "plein",
                "zone_tariffs": {str(zone.pk): split},
                "payment": {"method": "offline_test"},
            },
            content_type="application/json",
        )

    too_many = confirm({"reduit": 5})
    assert too_many.status_code == 400, too_many.json()
    assert too_many.json()["field"] == "zone_tariffs"
    response = confirm({"reduit": 1})
    assert response.status_code == 201, response.json()
    assert sorted(t["tariff"] for t in response.json()["tickets"]) == ["plein"] * 3 + ["reduit"]


@pytest.mark.parametrize(
    "split",
    [
        {"plein": 2, "inconnu": 2},  # unknown tariff
        {"plein": 2, "reduit": 0},  # a count below 1
        {"plein": 2, "reduit": 1},  # 3 for 4 places
        {"plein": 3, "reduit": 2},  # 5 for 4 places
        "other zone",  # a zone not asked for
        "not a zone id",
    ],
    ids=["unknown tariff", "zero", "too few", "too many", "other zone", "bad zone id"],
)
def test_an_api_split_that_does_not_fit_is_a_400_on_zone_tariffs(api, venue_a, performance, split):
    with in_venue(venue_a):
        zone = fosse(performance)
    if split == "other zone":
        zone_tariffs = {str(zone.pk): {"plein": 4}, str(zone.pk + 999): {"plein": 1}}
    elif split == "not a zone id":
        zone_tariffs = {"fosse": {"plein": 4}}
    else:
        zone_tariffs = {str(zone.pk): split}
    response = api.post(
        "/api/v1/orders/",
        order_body(performance, zone.pk, zone_tariffs=zone_tariffs),
        content_type="application/json",
    )
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == "zone_tariffs"
    with in_venue(venue_a):
        assert not Order.objects.exists()


def test_an_api_exchange_keeps_reduced_standing_places(api, venue_a, performance):
    from tests.ticketing.conftest import build_performance

    with in_venue(venue_a):
        zone = fosse(performance)
        other = build_performance(name="Salle C", starts_in_days=45)
        other_zone = fosse(other)
    order = api.post(
        "/api/v1/orders/",
        order_body(performance, zone.pk, zone_tariffs={str(zone.pk): {"plein": 2, "reduit": 2}}),
        content_type="application/json",
    ).json()
    moved = api.post(
        f"/api/v1/orders/{order['reference']}/exchange/",
        {
            "tickets": [t["id"] for t in order["tickets"]],
            "performance": other.pk,
            "zones": {str(other_zone.pk): 4},
            "tariff": "plein",
            "zone_tariffs": {str(other_zone.pk): {"plein": 2, "reduit": 2}},
        },
        content_type="application/json",
    )
    assert moved.status_code == 200, moved.json()
    valid = [t for t in moved.json()["tickets"] if t["status"] == "valid"]
    assert sorted((t["tariff"], t["performance_zone_id"]) for t in valid) == [
        ("plein", other_zone.pk),
        ("plein", other_zone.pk),
        ("reduit", other_zone.pk),
        ("reduit", other_zone.pk),
    ]
    assert moved.json()["total_cents"] == order["total_cents"]  # nothing to pay
    mismatch = api.post(
        f"/api/v1/orders/{order['reference']}/exchange/",
        {
            "tickets": [valid[0]["id"]],
            "performance": performance.pk,
            "zones": {str(zone.pk): 1},
            "tariff": "plein",
            "zone_tariffs": {str(zone.pk): {"reduit": 2}},
        },
        content_type="application/json",
    )
    assert mismatch.status_code == 400 and mismatch.json()["field"] == "zone_tariffs"


# --- Box office -----------------------------------------------------------------------------
@pytest.fixture
def counter(venue_a, make_staff, client_for):
    client = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def sell_at_the_counter(venue, counter, performance, total, **split):
    """A counter sale of `total` standing places (blank: "") in the Fosse, `split` by
    tariff code, the rest at full price."""
    with in_venue(venue):
        zone, t = fosse(performance), ids()
    fields = {f"zone_{zone.pk}_{t[code]}": n for code, n in split.items()}
    return post_sale(
        counter, performance, tariff=t["plein"], **{f"zone_{zone.pk}": total}, **fields
    )


def test_the_counter_offers_a_number_per_tariff_for_each_standing_zone(
    venue_a, performance, counter
):
    with in_venue(venue_a):
        zone, t = fosse(performance), ids()
    html = counter.get(f"/backoffice/box-office/{performance.pk}/").content.decode()
    for code in ("plein", "reduit"):
        field = f"zone_{zone.pk}_{t[code]}"
        assert f'<label class="bo-split-item" for="{field}">' in html
        assert f'id="{field}" name="{field}"' in html
    assert "Fosse by tariff" in html


@pytest.mark.parametrize("total", [4, ""], ids=["total typed", "total blank"])
def test_the_counter_sells_standing_places_split_between_tariffs(
    venue_a, performance, counter, total
):
    response = sell_at_the_counter(venue_a, counter, performance, total, plein=2, reduit=2)
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_venue(venue_a):
        order = Order.objects.get()
        assert order.total_cents == 2 * 1800 + 2 * 1000
        assert [(c, p) for c, p, _f in sold(order)] == FAMILY


def test_the_counter_puts_places_left_out_of_the_split_at_the_chosen_tariff(
    venue_a, performance, counter
):
    response = sell_at_the_counter(venue_a, counter, performance, 3, reduit=1)
    assert response.status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get()
        assert [c for c, _p, _f in sold(order)] == ["plein", "plein", "reduit"]
        assert order.total_cents == 2 * 1800 + 1000


def test_the_counter_refuses_a_split_larger_than_the_places(venue_a, performance, counter):
    response = sell_at_the_counter(venue_a, counter, performance, 2, reduit=3)
    assert response.status_code == 400
    assert "Fosse: 3 places split between tariffs, for 2 places." in response.content.decode()
    with in_venue(venue_a):
        assert not Order.objects.exists()


# --- Storefront -----------------------------------------------------------------------------
@pytest.fixture
def spectator(venue_a, client_for):
    client = client_for(venue_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_family_buys_standing_places_two_full_two_reduced_online(venue_a, performance, spectator):
    with in_venue(venue_a):
        zone, t = fosse(performance), ids()
    spectator.post(f"/performances/{performance.pk}/hold/", {"zone": zone.pk, "quantity": 4})
    page = spectator.get("/checkout/").content.decode()
    plein, reduit = f"zone_{zone.pk}_{t['plein']}", f"zone_{zone.pk}_{t['reduit']}"
    # Every place at the first tariff until the spectator splits them; labelled inputs.
    assert f'id="{plein}" name="{plein}" value="4"' in page
    assert f'id="{reduit}" name="{reduit}" value="0"' in page
    assert f'<label for="{reduit}">' in page
    assert "Tariffs for your 4 places in Fosse" in page
    # HTMX recomputes the total as the numbers change.
    cart = spectator.post(
        "/checkout/",
        {"action": "update", plein: 2, reduit: 2},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert f"<strong>{money(5600)}</strong>" in cart  # 2 × 18 € + 2 × 10 €, no fee
    response = spectator.post("/checkout/", {**BUYER, "action": "pay", plein: 2, reduit: 2})
    assert response.status_code == 302
    with in_venue(venue_a):
        order = Order.objects.get()
        assert order.total_cents == 2 * 1800 + 2 * 1000
        assert [(c, p) for c, p, _f in sold(order)] == FAMILY


@pytest.mark.parametrize("split", [(2, 1), (3, 2), (4, "x")], ids=["too few", "too many", "bad"])
def test_a_split_that_does_not_add_up_cannot_be_paid_online(venue_a, performance, spectator, split):
    with in_venue(venue_a):
        zone, t = fosse(performance), ids()
    spectator.post(f"/performances/{performance.pk}/hold/", {"zone": zone.pk, "quantity": 4})
    plein, reduit = f"zone_{zone.pk}_{t['plein']}", f"zone_{zone.pk}_{t['reduit']}"
    response = spectator.post(
        "/checkout/", {**BUYER, "action": "pay", plein: split[0], reduit: split[1]}
    )
    assert response.status_code == 200
    page = response.content.decode()
    if split[1] == "x":
        assert "Quantities are whole numbers, 0 or more." in page
    else:
        n = split[0] + split[1]
        assert f"Fosse: {n} places split between tariffs, for 4 places." in page
    with in_venue(venue_a):
        assert not Order.objects.exists()
