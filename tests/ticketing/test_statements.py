"""Receipts statements: the figures of the demo's past performances and days equal sums
taken independently over its orders, tickets and payments, to the cent; the CSV and the PDF
(its text read back with pdftotext) carry the same totals; VAT, the show tax, fees and who
bore them, invitations, refunds and exchanges are counted as docs/statements.md says."""

import csv
import io
import random
import shutil
import subprocess
from collections import defaultdict

import pytest
from django.utils import timezone, translation

from crm import demo as crm_demo
from tenants.accounts.models import User
from tests.helpers import in_venue
from ticketing import demo
from ticketing.models import Order, Payment, Performance, SalesSettings, Seat, Show, Tariff, Ticket
from ticketing.selectors.statements import day_statement, performance_statement, vat_of
from ticketing.services import orders
from ticketing.services.inventory import HoldRequest
from ticketing.services.orders import PaymentSpec, TariffChoice
from ticketing.statements import statement_csv, statement_pdf
from ticketing.templatetags.ticketing_ui import money

pytestmark = pytest.mark.django_db
PAID = ("paid", "partially_refunded", "refunded")


def _independent(performance) -> dict:
    """The performance's figures summed in Python over its orders (not the selector's
    queries): valid tickets of paid orders, and the payments of the orders sold for it."""
    revenue = fees = tickets = 0
    for ticket in Ticket.objects.filter(performance=performance).select_related("order"):
        order = ticket.order
        if ticket.status == "valid" and order.status in PAID and not order.invitation_reason:
            tickets += 1
            revenue += ticket.price_cents
            fees += ticket.fee_cents
    home_orders = [
        o
        for o in Order.objects.prefetch_related("tickets", "payments", "extras")
        if o.tickets.all()
        and min(o.tickets.all(), key=lambda t: t.pk).performance_id == performance.pk
        and not o.invitation_reason
    ]
    payments = sum(p.amount_cents for o in home_orders for p in o.payments.all())
    owed = sum(o.total_cents - o.refunded_cents for o in home_orders if o.status in PAID)
    extras = sum(
        e.unit_price_cents * e.quantity
        for o in home_orders
        for e in o.extras.all()
        if e.status == "valid"
    )
    exchanged = any(
        t.status == "exchanged" or t.exchanged_to_id for o in home_orders for t in o.tickets.all()
    )
    return {
        "tickets": tickets,
        "revenue": revenue,
        "fees": fees,
        "payments": payments,
        "owed": owed,
        "extras": extras,
        "exchanged": exchanged,
    }


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()


@pytest.mark.slow
def test_the_demo_statements_match_its_orders_to_the_cent(venue_a):
    with in_venue(venue_a):
        rng = random.Random(venue_a.slug)
        crm_demo.seed_venue(venue_a, rng)
        demo.seed_venue(venue_a, rng)
        now = timezone.now()
        past = list(
            Performance.objects.filter(starts_at__lt=now, tickets__isnull=False)
            .distinct()
            .select_related("show")
        )
        assert len(past) >= 4
        checked = 0
        for performance in past:
            statement = performance_statement(performance)
            expected = _independent(performance)
            totals = statement.totals
            assert totals["tickets"] == expected["tickets"], performance
            assert totals["ticket_revenue_cents"] == expected["revenue"], performance
            assert totals["fees_spectators_cents"] == expected["fees"], performance
            assert totals["payments_net_cents"] == expected["payments"], performance
            # The money taken is what the orders owe, net of refunds...
            assert totals["payments_net_cents"] == expected["owed"], performance
            # ...and, where no ticket moved to another performance, what the tickets, their
            # fees and the extras left add up to.
            if not expected["exchanged"]:
                assert (
                    totals["ticket_revenue_cents"]
                    + totals["fees_spectators_cents"]
                    + totals["extras_cents"]
                    == totals["payments_net_cents"]
                ), performance
                checked += 1
            # Sections agree with the headline: by tariff, by channel, by method, VAT.
            assert statement.section("tickets").total["price"] == expected["revenue"]
            assert statement.section("channels").total["revenue"] == expected["revenue"]
            assert statement.section("channels").total["payments"] == expected["payments"]
            assert statement.section("payments").total["net"] == expected["payments"]
            vat = statement.section("vat").total
            assert vat["gross"] == expected["revenue"] + totals["extras_cents"]
            assert vat["net"] + vat["vat"] == vat["gross"]
            attendance = statement.section("attendance").rows[0]
            assert attendance["sold"] == expected["tickets"]
        assert checked >= 3

        # Every day's till: the payments received and refunded that day, summed over the
        # season's days, are every payment ever recorded.
        days = sorted({timezone.localtime(p.created_at).date() for p in Payment.objects.all()})
        assert sum(day_statement(day).totals["payments_net_cents"] for day in days) == sum(
            p.amount_cents for p in Payment.objects.all()
        )
        busiest = max(days, key=lambda d: Payment.objects.filter(created_at__date=d).count())
        statement = day_statement(busiest)
        moved_in = set(
            Ticket.objects.filter(exchanged_to__isnull=False).values_list(
                "exchanged_to_id", flat=True
            )
        )
        by_order = defaultdict(int)
        for order in Order.objects.filter(
            paid_at__date=busiest, status__in=PAID, invitation_reason=""
        ):
            by_order[order.pk] = sum(
                t.price_cents for t in order.tickets.all() if t.pk not in moved_in
            )
        assert statement.totals["ticket_revenue_cents"] == sum(by_order.values())

        # The files carry the same totals.
        performance = past[0]
        statement = performance_statement(performance)
        rows = list(
            csv.reader(io.StringIO(statement_csv(statement).lstrip("\ufeff")), delimiter=";")
        )
        revenue = money(statement.totals["ticket_revenue_cents"]).split("\u00a0")[0]
        assert any(row and row[0] == "Total" for row in rows)
        if shutil.which("pdftotext"):
            text = _pdf_text(statement_pdf(statement))
            assert statement.title.split(" · ")[-1] in text
            assert revenue.replace("\u202f", " ") in text.replace("\u202f", " ")


@pytest.fixture
def sold(venue_a, performance):
    """Three orders: two at the counter (cash, card), one online; fees of 1 € a ticket,
    borne by the venue online; a show subject to the show tax."""
    with in_venue(venue_a):
        SalesSettings.objects.update_or_create(
            singleton=True,
            defaults={
                "fee_cents": 100,
                "fee_bearer": "spectator",
                "fee_bearer_by_channel": {"web": "venue"},
            },
        )
        Show.objects.filter(pk=performance.show_id).update(show_tax_rate_bp=350)
        performance.refresh_from_db()
        plein = Tariff.objects.get(code="plein")

        def sell(labels, channel, method):
            seats = [
                Seat.objects.get(section__layout=performance.layout, label=x).pk for x in labels
            ]
            return orders.sell(
                performance=performance,
                request=HoldRequest(seat_ids=seats),
                tariffs=TariffChoice(default=plein.pk),
                payments=[PaymentSpec(method, None)],
                channel=channel,
            )

        made = [
            sell(["A1", "A2"], "box_office", "cash"),
            sell(["A3"], "box_office", "card_counter"),
            sell(["A4", "A5"], "web", "online"),
        ]
        yield performance, made


def test_a_performance_statement_counts_fees_vat_and_the_show_tax(venue_a, sold):
    performance, made = sold
    with in_venue(venue_a), translation.override("en"):
        assert [o.total_cents for o in made] == [5200, 2600, 5000]  # online: the venue bears it
        statement = performance_statement(performance)
        totals = statement.totals
        assert totals["ticket_revenue_cents"] == 12500
        assert (totals["fees_spectators_cents"], totals["fees_venue_cents"]) == (300, 200)
        assert totals["payments_net_cents"] == 12800
        vat = statement.section("vat").rows
        assert vat == [
            {
                "rate": 550,
                "tickets": 12500,
                "extras": 0,
                "gross": 12500,
                "net": 12500 - vat_of(12500, 550),
                "vat": vat_of(12500, 550),
            }
        ]
        assert vat_of(12500, 550) == 652  # 125 × 5.5 / 105.5 = 6.516…
        tax = statement.section("show_tax").rows[0]
        assert (tax["base"], tax["tax"]) == (11848, 415)  # 3.5 % of 118.48 = 4.1468
        channels = {r["channel"]: r for r in statement.section("channels").rows}
        assert channels["Box office"]["tickets"] == 3 and channels["Online"]["payments"] == 5000


def test_invitations_and_refunds_are_counted_apart(venue_a, sold):
    performance, made = sold
    with in_venue(venue_a), translation.override("en"):
        Order.objects.filter(pk=made[1].pk).update(invitation_reason="press")
        orders.refund_order(order=made[0], ticket_ids=[made[0].tickets.first().pk], method="cash")
        statement = performance_statement(performance)
        assert statement.section("invitations").total["count"] == 1
        assert statement.totals["tickets"] == 3  # 1 left of the first order, 2 online
        assert statement.totals["ticket_revenue_cents"] == 7500
        refunds = {r["what"]: r for r in statement.section("refunds").rows}
        assert refunds["Tickets refunded (their price)"]["count"] == 1
        assert statement.totals["refunds_cents"] == 2600  # the price and its fee
        attendance = statement.section("attendance").rows[0]
        assert (attendance["sold"], attendance["invitations"], attendance["capacity"]) == (
            3,
            1,
            70,
        )


def test_the_statement_screens_and_files(venue_a, sold, make_staff, client_for):
    performance, _made = sold
    client = client_for(venue_a, make_staff(venue_a, User.Role.BOX_OFFICE))
    url = f"/backoffice/statements/performance/{performance.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "125\u00a0€" in html and "4,15\u00a0€" in html
    csv_response = client.get(url + "?format=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "125,00" in csv_response.content.decode()
    pdf = client.get(url + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = _pdf_text(pdf.content)
        assert "125 €" in text.replace("\u00a0", " ").replace("\u202f", " ")
    today = timezone.localdate().isoformat()
    day = client.get(f"/backoffice/statements/day/{today}/")
    assert day.status_code == 200 and "128\u00a0€" in day.content.decode()
    assert client.get("/backoffice/statements/day/nope/").status_code == 404
    assert client.get("/backoffice/statements/").status_code == 200
