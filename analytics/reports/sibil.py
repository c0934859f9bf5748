"""The culture ministry's ticketing returns (SIBIL, Système d'information billetterie): one
declaration per performance, in the shape of the SIBIL API v2 declaration (`DeclarationDTO`,
POST /api/v2/declarations), with a validation step that lists what is missing or
inconsistent before anything is exported. docs/sibil.md maps every field and names every
assumption.

Figures are the receipts statements' (analytics' aggregates count as they do): paid and free
tickets, ticket revenue including VAT (booking fees apart), by performance."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.accounts.audit import changed_fields, record_event
from ticketing.models import Performance, Tariff
from ticketing.selectors.availability import performance_figures

from ..models import PerformanceSales, SalesFact, SibilGenreDomain, SibilSettings
from ..selectors import pending_events_age
from .data import _period_bounds

FORMAT = "SIBIL API v2 — DeclarationDTO (POST /api/v2/declarations)"
FORMAT_VERSION = "sibil-api-v2/parterre-1"

# The ministry's performance domains ("domaines de représentation"). SIBIL gives each an id
# in its referential (GET /api/v2/domaine-representations), resolved when the file is
# submitted; the export names the domain by its label (docs/sibil.md). The labels are the
# ministry's own, in French whatever the page's language.
DOMAINS = (
    ("theatre", "Théâtre"),
    ("conte_mime", "Conte, mime"),
    ("theatre_musical", "Théâtre musical, comédie musicale"),
    ("humour", "Humour, one-man/woman show"),
    ("marionnettes", "Marionnettes, théâtre d'objets"),
    ("arts_rue", "Arts de la rue"),
    ("cirque_traditionnel", "Cirque traditionnel"),
    ("cirque_creation", "Cirque de création"),
    ("magie", "Magie"),
    ("danse_creation", "Danse de création, contemporaine"),
    ("danse_classique", "Danse classique"),
    ("danse_monde", "Danses traditionnelles et du monde"),
    ("musique_classique", "Musique classique"),
    ("opera", "Opéra, art lyrique"),
    ("musique_contemporaine", "Musique contemporaine"),
    ("chanson_varietes", "Chanson, variétés et genres assimilés"),
    ("musiques_actuelles", "Musiques actuelles (pop, rock, électro, hip-hop)"),
    ("jazz", "Jazz, blues et musiques improvisées"),
    ("musiques_monde", "Musiques du monde, musiques traditionnelles"),
    ("cabaret", "Cabaret, music-hall"),
    ("pluridisciplinaire", "Spectacle pluridisciplinaire"),
    ("autre", "Autre"),
)
DOMAIN_LABELS = dict(DOMAINS)

BLOCKING, WARNING = "blocking", "warning"
LICENCE = re.compile(r"^(PLATESV-[RD]-\d{4}-\d{6}|L-R-\d{2}-\d{1,6}|[123]-\d{5,7})$")
POSTCODE = re.compile(r"^\d{5}$")
INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


class SibilExportRefused(Exception):
    code = "sibil.blocking_problems"


@dataclass
class Problem:
    level: str
    message: str
    link: str = ""


@dataclass
class Declaration:
    performance_id: int
    show_id: int
    show: str
    subtitle: str
    starts_at: datetime
    status: str
    capacity: int
    tickets: int  # net paid-order tickets (the statement's "tickets"), free tariffs included
    invitations: int
    free_tariff_tickets: int  # tickets of "free" tariffs in paid orders (price 0)
    full_price_tickets: int
    full_price_cents: int
    revenue_cents: int
    domain: str = ""
    young_audience: bool = False
    declared: bool = True  # False: listed, not exported (cancelled, never on sale)
    problems: list[Problem] = field(default_factory=list)

    @property
    def free_tickets(self) -> int:
        return self.invitations + self.free_tariff_tickets

    @property
    def paid_tickets(self) -> int:
        return self.tickets - self.free_tariff_tickets

    @property
    def total_tickets(self) -> int:
        return self.tickets + self.invitations

    @property
    def blocking(self) -> bool:
        return any(p.level == BLOCKING for p in self.problems)

    @property
    def domain_label(self) -> str:
        return DOMAIN_LABELS.get(self.domain, "")

    @property
    def revenue_text(self) -> str:
        from ..templatetags.analytics_ui import cell_text

        return cell_text(self.revenue_cents, "money")


@dataclass
class Validation:
    start: date
    end: date
    settings: SibilSettings
    venue: object
    general: list[Problem]
    declarations: list[Declaration]

    @property
    def blocking(self) -> int:
        return sum(p.level == BLOCKING for p in self.general) + sum(
            p.level == BLOCKING for d in self.declarations for p in d.problems
        )

    @property
    def warnings(self) -> int:
        return sum(p.level == WARNING for p in self.general) + sum(
            p.level == WARNING for d in self.declarations for p in d.problems
        )

    @property
    def exported(self) -> list[Declaration]:
        return [d for d in self.declarations if d.declared]


# --- Settings ------------------------------------------------------------------------------


def sibil_settings() -> SibilSettings:
    return SibilSettings.objects.filter(pk=1).first() or SibilSettings(pk=1)


def genre_domains() -> dict[str, SibilGenreDomain]:
    return {g.genre: g for g in SibilGenreDomain.objects.all()}


SETTINGS_FIELDS = ("licence_number", "siret", "legal_name", "place_type", "insee_code")


@transaction.atomic
def update_sibil_settings(*, actor, **fields) -> SibilSettings:
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"unknown SIBIL settings {sorted(unknown)}")
    current = SibilSettings.objects.select_for_update().filter(pk=1).first() or SibilSettings(pk=1)
    changes = changed_fields(current, fields)
    if changes or current._state.adding:
        for name, value in fields.items():
            setattr(current, name, value)
        current.save()
        record_event(
            code="analytics.sibil.settings_updated",
            actor=actor,
            obj=current,
            changes=changes,
            data={"fields": sorted(changes)},
        )
    return current


@transaction.atomic
def set_genre_domains(*, actor, mapping: dict[str, tuple[str, bool]]) -> None:
    """Genre → (SIBIL domain key or "", young audience). Genres left out stay as they are."""
    existing = genre_domains()
    changed = {}
    for genre, (domain, young) in mapping.items():
        if domain and domain not in DOMAIN_LABELS:
            raise ValueError(f"unknown SIBIL domain {domain!r}")
        row = existing.get(genre)
        if row and (row.domain, row.young_audience) == (domain, young):
            continue
        SibilGenreDomain.objects.update_or_create(
            genre=genre, defaults={"domain": domain, "young_audience": young}
        )
        changed[genre] = domain
    if changed:
        record_event(
            code="analytics.sibil.domains_updated",
            actor=actor,
            object_type="analytics.sibilgenredomain",
            data={"genres": changed},
        )


def show_domain(genres: list[str], mapping: dict[str, SibilGenreDomain]) -> tuple[str, bool]:
    """A show's domain: that of the last of its genres that has one (a show's genres go from
    the general to the particular: "concert", "jazz"). A young-audience genre ("jeune
    public") says whom the show is for, not what it is: its domain counts only when no other
    genre has one. Young audience if any genre says so."""
    rows = [mapping[g] for g in genres if g in mapping]
    young = any(r.young_audience for r in rows)
    for candidates in ([r for r in rows if not r.young_audience], rows):
        domain = next((r.domain for r in reversed(candidates) if r.domain), "")
        if domain:
            return domain, young
    return "", young


def siret_is_valid(value: str) -> bool:
    """14 digits and the Luhn check (La Poste's establishments, SIREN 356000000, excepted)."""
    if not re.fullmatch(r"\d{14}", value):
        return False
    if value.startswith("356000000"):
        return sum(int(c) for c in value) % 5 == 0
    total = 0
    for index, char in enumerate(reversed(value)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


# --- Validation ---------------------------------------------------------------------------


def _general_problems(settings: SibilSettings, venue) -> list[Problem]:
    fix_here = reverse("analytics:sibil") + "#settings"
    profile = reverse("backoffice:settings_profile")
    problems = []
    if not settings.licence_number.strip():
        problems.append(Problem(BLOCKING, _("No performing-arts licence number."), fix_here))
    elif not LICENCE.match(settings.licence_number.strip()):
        problems.append(
            Problem(
                WARNING,
                _("The licence number does not look like PLATESV-R-2024-001234."),
                fix_here,
            )
        )
    if not settings.siret:
        problems.append(Problem(BLOCKING, _("No SIRET number."), fix_here))
    elif not siret_is_valid(settings.siret):
        problems.append(Problem(BLOCKING, _("The SIRET number is not valid."), fix_here))
    if not settings.legal_name.strip():
        problems.append(Problem(BLOCKING, _("No legal name of the declaring body."), fix_here))
    if not (venue.street and venue.city):
        problems.append(Problem(BLOCKING, _("The venue's address is incomplete."), profile))
    if not POSTCODE.match(venue.postcode or ""):
        problems.append(
            Problem(BLOCKING, _("The venue's postcode is missing or not French."), profile)
        )
    if not INSEE.match(settings.insee_code or ""):
        problems.append(Problem(WARNING, _("No INSEE code of the commune."), fix_here))
    if pending_events_age() > 0:
        problems.append(
            Problem(
                WARNING,
                _("Some recent sales are not counted yet: the figures may be a few seconds old."),
            )
        )
    return problems


def _tariff_split(performance_ids: list[int]) -> dict[int, dict]:
    """Per performance: net tickets and revenue of full-price tariffs, tickets of free
    tariffs (invitations apart)."""
    kinds = dict(Tariff.objects.values_list("id", "kind"))
    out: dict[int, dict] = {}
    rows = (
        SalesFact.objects.filter(performance_id__in=performance_ids, invitation=False)
        .values("performance_id", "tariff_id")
        .annotate(tickets=Sum("tickets"), revenue=Sum("revenue_cents"))
        .order_by()
    )
    for r in rows:
        split = out.setdefault(r["performance_id"], {"full": 0, "full_cents": 0, "free": 0})
        kind = kinds.get(r["tariff_id"])
        if kind in (Tariff.Kind.FULL, Tariff.Kind.SINGLE):
            split["full"] += r["tickets"] or 0
            split["full_cents"] += r["revenue"] or 0
        elif kind == Tariff.Kind.FREE:
            split["free"] += r["tickets"] or 0
    return out


def validate_period(*, start: date, end: date, now: datetime | None = None) -> Validation:
    """Every performance of the period (venue days), its declaration and its problems."""
    from ticketing.tickets.pdf import current_venue

    now = now or timezone.now()
    venue = current_venue()
    settings = sibil_settings()
    low, high = _period_bounds(start, end)
    perfs = list(
        Performance.objects.filter(starts_at__gte=low, starts_at__lt=high)
        .select_related("show")
        .order_by("starts_at", "pk")
    )
    ids = [p.pk for p in perfs]
    sales = {s.performance_id: s for s in PerformanceSales.objects.filter(performance_id__in=ids)}
    missing = [i for i in ids if i not in sales]
    capacities = performance_figures(missing) if missing else {}
    split = _tariff_split(ids)
    mapping = genre_domains()
    domains_link = reverse("analytics:sibil") + "#domains"
    declarations = []
    for p in perfs:
        s = sales.get(p.pk)
        t = split.get(p.pk, {"full": 0, "full_cents": 0, "free": 0})
        domain, young = show_domain(list(p.show.genres or []), mapping)
        d = Declaration(
            performance_id=p.pk,
            show_id=p.show_id,
            show=p.show.title,
            subtitle=p.show.subtitle,
            starts_at=p.starts_at,
            status=p.status,
            capacity=s.capacity if s else capacities.get(p.pk, {}).get("capacity", 0),
            tickets=s.tickets if s else 0,
            invitations=s.invitations if s else 0,
            free_tariff_tickets=t["free"],
            full_price_tickets=t["full"],
            full_price_cents=t["full_cents"],
            revenue_cents=s.revenue_cents if s else 0,
            domain=domain,
            young_audience=young,
        )
        performance_link = reverse("ticketing:performance_detail", args=[p.pk])
        if p.status == Performance.Status.CANCELLED:
            d.declared = False
            d.problems.append(Problem(WARNING, _("Cancelled: not declared."), performance_link))
            declarations.append(d)
            continue
        if p.status == Performance.Status.DRAFT and not d.total_tickets:
            d.declared = False
            d.problems.append(
                Problem(WARNING, _("Never put on sale: not declared."), performance_link)
            )
            declarations.append(d)
            continue
        if p.starts_at > now:
            d.problems.append(
                Problem(
                    BLOCKING,
                    _("Not played yet: choose a period that ends before today."),
                    performance_link,
                )
            )
        elif p.sale_closes_at and p.sale_closes_at > now:
            d.problems.append(Problem(BLOCKING, _("Sales are still open."), performance_link))
        if not domain:
            genres = ", ".join(p.show.genres or []) or _("no genre")
            d.problems.append(
                Problem(
                    BLOCKING,
                    _("The show has no SIBIL domain (genres: %(genres)s).") % {"genres": genres},
                    domains_link
                    if p.show.genres
                    else reverse("ticketing:show_update", args=[p.show_id]),
                )
            )
        if min(d.tickets, d.invitations, d.revenue_cents, d.paid_tickets) < 0:
            d.problems.append(
                Problem(
                    BLOCKING,
                    _("Negative figures: more refunded than sold. Check its receipts statement."),
                    reverse("ticketing:statement_performance", args=[p.pk]),
                )
            )
        if not d.capacity:
            d.problems.append(Problem(WARNING, _("No capacity (jauge)."), performance_link))
        elif d.total_tickets > d.capacity:
            d.problems.append(
                Problem(WARNING, _("More tickets than seats in the capacity."), performance_link)
            )
        if not d.total_tickets:
            d.problems.append(Problem(WARNING, _("No ticket sold nor offered.")))
        elif d.paid_tickets > 0 and d.revenue_cents == 0:
            d.problems.append(Problem(WARNING, _("Paid tickets but no revenue.")))
        declarations.append(d)
    return Validation(start, end, settings, venue, _general_problems(settings, venue), declarations)


# --- Export --------------------------------------------------------------------------------


def _euros(cents: int | float) -> float:
    return float((Decimal(cents) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _average(cents: int, tickets: int) -> float:
    if tickets <= 0:
        return 0.0
    return _euros(Decimal(cents) / tickets)


def declaration_body(d: Declaration, v: Validation) -> dict:
    """One DeclarationDTO (SIBIL API v2), as docs/sibil.md maps it."""
    s, venue = v.settings, v.venue
    local = timezone.localtime(d.starts_at)
    return {
        "idExtBilletterie": f"parterre-{venue.slug}-{d.performance_id}",
        "gestionnaireMultiple": False,
        "dateHeureRepresentationUnique": local.isoformat(timespec="seconds"),
        "dateDebut": None,
        "dateFin": None,
        "nbRepresentations": 1,
        "nbBilletsTotalBilletterie": d.total_tickets,
        "recetteTotalBilletterie": _euros(d.revenue_cents),
        "prixMoyenTotalBilletterie": _average(d.revenue_cents, d.paid_tickets),
        "nbBilletsTarifPlein": d.full_price_tickets,
        "recetteTarifPlein": _euros(d.full_price_cents),
        "prixMoyenTarifPlein": _average(d.full_price_cents, d.full_price_tickets),
        "nbBilletsTarifAbonnementForfait": 0,
        "nbBilletsExoneres": d.free_tickets,
        "jauge": d.capacity,
        "jeunePublic": d.young_audience,
        "domaineRepresentationId": None,
        "domaineRepresentationLibelle": str(DOMAIN_LABELS.get(d.domain, "")),
        "nomJuridiqueOrganismeDeclarant": s.legal_name,
        "departement": (venue.postcode or "")[:2],
        "lieuId": None,
        "lieuChamps": {
            "nom": venue.name,
            "adresse": venue.street,
            "codePostal": venue.postcode,
            "ville": venue.city,
            "siret": s.siret,
            "typeLieu": s.place_type,
            "denominationUsuelle": venue.name,
        },
        "festivalId": None,
        "festivalChamps": None,
        "spectacleId": None,
        "spectacleChamps": {
            "domaineSpectacleId": None,
            "domaineSpectacleLibelle": str(DOMAIN_LABELS.get(d.domain, "")),
            "critere1": d.show,
            "critere2": d.subtitle or None,
            "critere3": None,
            "critere4": None,
        },
        "statutDeclaration": "ENREGISTRE",
    }


def _check_exportable(v: Validation) -> None:
    if v.blocking:
        raise SibilExportRefused(
            _("%(n)s blocking problem(s) remain: fix them before exporting.") % {"n": v.blocking}
        )


def export_json(v: Validation) -> str:
    """The declarations of the period, refused while a blocking problem remains."""
    _check_exportable(v)
    s, venue = v.settings, v.venue
    document = {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "periode": {"debut": v.start.isoformat(), "fin": v.end.isoformat()},
        "declarant": {
            "numeroLicence": s.licence_number.strip(),
            "siret": s.siret,
            "nomJuridique": s.legal_name,
        },
        "lieu": {
            "nom": venue.name,
            "adresse": venue.street,
            "codePostal": venue.postcode,
            "ville": venue.city,
            "codeInsee": s.insee_code,
            "typeLieu": s.place_type,
        },
        "declarations": [declaration_body(d, v) for d in v.exported],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


CSV_FIELDS = (
    "idExtBilletterie",
    "dateHeureRepresentationUnique",
    "spectacleChamps.critere1",
    "domaineRepresentationLibelle",
    "jeunePublic",
    "lieuChamps.nom",
    "lieuChamps.adresse",
    "lieuChamps.codePostal",
    "lieuChamps.ville",
    "lieuChamps.siret",
    "lieuChamps.typeLieu",
    "jauge",
    "nbRepresentations",
    "nbBilletsTotalBilletterie",
    "nbBilletsExoneres",
    "recetteTotalBilletterie",
    "prixMoyenTotalBilletterie",
    "nbBilletsTarifPlein",
    "recetteTarifPlein",
    "prixMoyenTarifPlein",
    "nbBilletsTarifAbonnementForfait",
)


def export_csv(v: Validation) -> str:
    """The same declarations, one line each (semicolons, amounts with a dot), for a
    spreadsheet or a manual entry on the SIBIL portal."""
    _check_exportable(v)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_FIELDS)
    for d in v.exported:
        body = declaration_body(d, v)
        row = []
        for name in CSV_FIELDS:
            value = body
            for part in name.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            row.append("true" if value is True else "false" if value is False else value)
        writer.writerow(row)
    return "\ufeff" + out.getvalue()
