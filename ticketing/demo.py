"""Demo season for `make run`: halls, shows, performances and a season of sales per venue.

"quai" gets a drama theatre (seated main hall with two price categories, a studio), "lanterne"
a music venue (standing hall with a small seated balcony, a club, one single price); any
other venue gets the theatre season. Everything is built through the ticketing services
(halls, programme, orders); the few demo-only fix-ups (selling past performances, dating the
sales) are plain queryset updates, each explained where it happens.

Idempotent: a venue that already has a hall is left alone. Deterministic: every choice comes
from the `rng` passed in (dates are relative to today, so the demo always has a past and a
future; order references and ticket codes come from the services' own secure generators).
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, OuterRef, Subquery
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from crm import services as crm
from crm.models import Consent, Contact, Source
from tenants.accounts.models import User
from ticketing.models import (
    Allocation,
    Hall,
    Hold,
    Layout,
    Order,
    OrderEvent,
    Payment,
    Performance,
    PerformanceZone,
    ProgrammeChange,
    SalesSettings,
    Seat,
    Tariff,
    Ticket,
)
from ticketing.services import halls, orders, programme
from ticketing.services.inventory import HoldRequest, allocate_seats
from ticketing.services.orders import PaymentSpec, TariffChoice
from ticketing.services.programme import CategoryPlan

# (week from the current one, weekday 0 = Monday, "HH:MM" local time)
When = tuple[int, int, str]
# Christmas, New Year's Day, Labour Day: the season's dates move a week rather than fall on them.
NO_SHOW_DAYS = {(12, 24), (12, 25), (1, 1), (5, 1)}
CAT1_COLOR, CAT2_COLOR, SINGLE_COLOR = "#8a1538", "#c9822b", "#1d5c63"


@dataclass(frozen=True)
class ShowSpec:
    title: str
    genres: tuple[str, ...]
    artists: str
    description: str
    duration: int
    age: str
    hall: str
    dates: tuple[When, ...]
    prices: dict[str, dict[str, int]]  # category -> tariff code -> cents
    subtitle: str = ""
    accessibility: str = ""
    popularity: float = 1.0
    school_dates: tuple[int, ...] = ()  # indexes of dates sold to school groups only


@dataclass(frozen=True)
class Change:
    title: str
    index: int
    reason: str
    days_ago: int  # when the venue decided it
    weeks_later: int = 0  # reschedule only


@dataclass(frozen=True)
class Profile:
    fee_cents: int
    single_price: bool
    web_share: float
    identified_share: float  # counter buyers who give their name
    new_buyers: int  # people not yet in the contact base who buy during the season
    sizes: dict[int, int]  # tickets per order -> weight
    methods: dict[str, int]  # counter payment methods -> weight
    shows: tuple[ShowSpec, ...]
    cancel: Change
    reschedule: Change
    exchange: bool
    access_info: str
    doors_minutes: int


def _cats(cat1: int, cat2: int, off: int) -> dict[str, dict[str, int]]:
    """Cat. 1 / Cat. 2 with full, reduced and invitation tariffs (theatre)."""
    return {
        "Cat. 1": {"plein": cat1, "reduit": cat1 - off, "invitation": 0},
        "Cat. 2": {"plein": cat2, "reduit": cat2 - off, "invitation": 0},
    }


def _single(cents: int) -> dict[str, dict[str, int]]:
    return {"Tarif unique": {"unique": cents}}


QUAI_SHOWS = (
    ShowSpec(
        title="Les Veilleurs du phare",
        genres=("théâtre", "création"),
        artists="Compagnie La Marée Haute — mise en scène Claire Adam, avec Jeanne Morvan, "
        "Idriss Koné, Paul Le Goff et Anaïs Brunet",
        description="Sur une île coupée du continent par la tempête, trois gardiens de phare "
        "attendent une relève qui ne vient pas. Entre humour sec et vertige, la pièce "
        "interroge ce que l'on transmet quand plus personne ne regarde. Une création du "
        "Théâtre du Quai, répétée à Angers.",
        duration=100,
        age="Dès 12 ans",
        accessibility="Représentation du jeudi en audiodescription. Boucle magnétique au "
        "rang B de l'orchestre (places B1 à B6).",
        hall="grande",
        dates=((-8, 2, "20:00"), (-8, 3, "20:00")),
        prices=_cats(2600, 2000, 900),
        popularity=1.1,
    ),
    ShowSpec(
        title="Ce qui reste de l'été",
        genres=("théâtre",),
        artists="Collectif Grand Large — texte et mise en scène Tom Arnaud",
        description="Une famille se retrouve pour vider la maison de vacances de la "
        "grand-mère disparue. Au fil des cartons ressurgissent secrets, fous rires et "
        "rancunes tenaces. Un huis clos tendre et drôle sur l'héritage, celui des objets "
        "comme celui des souvenirs.",
        duration=85,
        age="Dès 14 ans",
        hall="vitez",
        dates=((-7, 3, "20:30"), (-7, 4, "20:30")),
        prices=_cats(1800, 1500, 600),
        popularity=1.4,
    ),
    ShowSpec(
        title="Pli",
        genres=("danse",),
        artists="Compagnie Ondes — chorégraphie Sarah Benali, création sonore Jules Marchand",
        description="Cinq interprètes plient, déplient et froissent un immense papier kraft "
        "qui devient tour à tour paysage, abri et vêtement. Une pièce sans paroles, portée "
        "par une musique jouée en direct, où le geste le plus simple prend des allures "
        "d'épopée.",
        duration=65,
        age="Tout public dès 8 ans",
        accessibility="Spectacle sans paroles, adapté aux personnes sourdes ou "
        "malentendantes. Quelques effets stroboscopiques.",
        hall="grande",
        dates=((-6, 4, "20:00"),),
        prices=_cats(2400, 1800, 800),
        popularity=0.85,
    ),
    ShowSpec(
        title="Haut perché",
        genres=("cirque", "famille"),
        artists="Compagnie Fil Tendu — six acrobates, mât chinois, fil et portés",
        description="Sur un plateau hérissé de mâts et de fils, six acrobates cherchent "
        "l'équilibre entre ciel et sol. Leur cirque de haute voltige se moque de la "
        "gravité autant que de la peur, avec une bonne dose d'autodérision. Une soirée "
        "suspendue, à partager en famille.",
        duration=75,
        age="Tout public dès 6 ans",
        accessibility="Emplacements pour fauteuils roulants au dernier rang de l'orchestre.",
        hall="grande",
        dates=((-4, 5, "20:00"), (-4, 6, "16:00")),
        prices=_cats(2200, 1700, 900),
        popularity=1.2,
    ),
    ShowSpec(
        title="Quatuor Ligérien",
        subtitle="Schubert, Ravel",
        genres=("musique", "classique"),
        artists="Élise Martin et Hugo Perrin (violons), Nora Lefèvre (alto), Basile Caron "
        "(violoncelle)",
        description="Quatre jeunes musiciens formés entre Nantes et Angers confrontent un "
        "quatuor de Schubert à celui de Ravel : deux œuvres de jeunesse, pleines de "
        "tourments et de lumière. Rencontre avec les musiciens à l'issue du concert.",
        duration=80,
        age="Tout public",
        hall="grande",
        dates=((-2, 2, "20:00"),),
        prices=_cats(2000, 1600, 600),
        popularity=0.8,
    ),
    ShowSpec(
        title="La Nuit des fileuses",
        genres=("théâtre", "théâtre d'objets"),
        artists="Compagnie Laine & Ortie — écriture collective, mise en scène Mathilde Roux",
        description="Dans un atelier de filature des bords de Loire, en 1907, cinq ouvrières "
        "préparent en secret la première grève de l'usine. Inspiré d'archives locales, le "
        "spectacle mêle récit, chants de travail et théâtre d'objets.",
        duration=90,
        age="Dès 13 ans",
        hall="vitez",
        dates=((-1, 4, "20:30"),),
        prices=_cats(1800, 1500, 600),
        popularity=1.4,
    ),
    ShowSpec(
        title="Le Misanthrope",
        genres=("théâtre", "classique"),
        artists="Molière — Compagnie des Ardoises, mise en scène Lucie Vasseur",
        description="Alceste ne supporte plus les compromis de la vie en société et exige "
        "qu'on lui dise la vérité. Mais il aime Célimène, qui excelle justement dans l'art "
        "de plaire à tous. Une mise en scène nerveuse où les alexandrins claquent comme "
        "des messages envoyés trop vite.",
        duration=120,
        age="Dès 14 ans",
        accessibility="Surtitrage en français le vendredi, audiodescription le dimanche.",
        hall="grande",
        dates=((2, 4, "20:00"), (2, 6, "16:00")),
        prices=_cats(2800, 2200, 1000),
        popularity=1.15,
    ),
    ShowSpec(
        title="Petit Loup cherche la lune",
        genres=("jeune public", "marionnettes"),
        artists="Compagnie Pic & Colegram — marionnettes Lise Garnier, contrebasse Yann Tessier",
        description="Chaque soir, Petit Loup tente d'attraper la lune qui se reflète dans la "
        "mare. Avec des marionnettes de papier, des ombres et une contrebasse, ce conte "
        "sans paroles émerveille les tout-petits et fait sourire les grands.",
        duration=40,
        age="Dès 3 ans",
        accessibility="Coussins au premier rang pour les enfants ; poussettes à laisser à "
        "l'accueil.",
        hall="vitez",
        dates=((3, 2, "15:00"), (3, 3, "10:00")),
        prices={
            "Cat. 1": {"plein": 1000, "reduit": 700, "invitation": 0},
            "Cat. 2": {"plein": 1000, "reduit": 700, "invitation": 0},
        },
        popularity=1.4,
        school_dates=(1,),
    ),
    ShowSpec(
        title="Traversées",
        genres=("danse", "hip-hop"),
        artists="Compagnie Asphalte — chorégraphie Malik Diallo, huit danseuses et danseurs",
        description="Huit danseurs venus du hip-hop, du krump et de la danse contemporaine "
        "racontent l'exil et l'arrivée dans une ville inconnue. Une énergie brute, des "
        "solos bouleversants et un final qui invite le public à rejoindre le plateau.",
        duration=70,
        age="Dès 10 ans",
        hall="grande",
        dates=((5, 3, "20:00"), (5, 4, "20:00")),
        prices=_cats(2400, 1800, 900),
    ),
    ShowSpec(
        title="Mécanique des marées",
        genres=("cirque", "famille"),
        artists="Collectif Houle — quatre circassiens et un musicien",
        description="Sur une structure de bois qui tangue comme un navire, quatre circassiens "
        "jonglent, grimpent et se rattrapent au vol. Le décor craque et se transforme sous "
        "leurs pieds, au rythme d'une musique jouée en direct.",
        duration=65,
        age="Tout public dès 5 ans",
        hall="grande",
        dates=((8, 6, "16:00"),),
        prices=_cats(2200, 1700, 900),
        popularity=1.1,
    ),
    ShowSpec(
        title="Lettres de l'autre rive",
        genres=("théâtre", "lecture musicale"),
        artists="Samia Belkacem (jeu) et Karim Ouali (oud)",
        description="Pendant six ans, deux sœurs séparées par la Méditerranée s'écrivent "
        "chaque mois. Une comédienne et un joueur d'oud donnent voix à cette "
        "correspondance imaginée, suivie d'un échange avec l'équipe.",
        duration=60,
        age="Dès 12 ans",
        hall="vitez",
        dates=((10, 1, "20:30"), (10, 2, "20:30")),
        prices=_cats(1500, 1200, 500),
        popularity=1.3,
    ),
    ShowSpec(
        title="Sous la glace",
        genres=("théâtre",),
        artists="Texte et mise en scène Yasmine Haddad, avec Hélène Vidal et Noé Carpentier",
        description="Une juge d'instruction et un adolescent suspect se font face pendant une "
        "nuit d'hiver dans un commissariat de province. Ce polar à deux voix dévoile peu à "
        "peu ce que chacun cache, et la manière dont on fabrique une vérité.",
        duration=95,
        age="Dès 15 ans",
        hall="grande",
        dates=((15, 3, "20:00"),),
        prices=_cats(2600, 2000, 900),
    ),
)

LANTERNE_ACCESS = (
    "Plateforme surélevée pour les personnes en fauteuil roulant en fond de fosse ; balcon "
    "assis accessible par ascenseur. Bouchons d'oreilles gratuits à l'accueil."
)
LANTERNE_SHOWS = (
    ShowSpec(
        title="Orage Mécanique",
        subtitle="+ Pylône en première partie",
        genres=("concert", "rock"),
        artists="Orage Mécanique ; première partie : Pylône",
        description="Trio rennais au son épais et aux refrains repris en chœur, Orage "
        "Mécanique revient avec un deuxième album enregistré en live dans une ancienne "
        "conserverie. En première partie, le duo noise Pylône.",
        duration=150,
        age="Tout public, protections auditives conseillées",
        accessibility=LANTERNE_ACCESS,
        hall="nef",
        dates=((-8, 4, "20:30"),),
        prices=_single(2200),
        popularity=1.0,
    ),
    ShowSpec(
        title="Naïa",
        genres=("concert", "électro", "pop"),
        artists="Naïa (voix, machines) et Théo Guillou (batterie)",
        description="Naïa tisse des chansons pop sur des nappes électroniques, entre "
        "confidences et montées euphoriques. Un concert intime au Club, avant la sortie de "
        "son premier album.",
        duration=75,
        age="Tout public",
        accessibility=LANTERNE_ACCESS,
        hall="club",
        dates=((-7, 3, "20:30"),),
        prices=_single(1500),
        popularity=1.3,
    ),
    ShowSpec(
        title="Fest-noz de la Lanterne",
        genres=("concert", "musiques traditionnelles", "bal"),
        artists="Trio Gwenn, Les Frères Tanguy, duo Le Bihan–Riou",
        description="Une grande nuit de danse bretonne : gavottes, plinns et an-dro pour "
        "danseurs aguerris comme pour débutants. Initiation aux pas en début de soirée.",
        duration=240,
        age="Tout public",
        accessibility=LANTERNE_ACCESS,
        hall="nef",
        dates=((-6, 5, "20:30"),),
        prices=_single(1000),
        popularity=1.0,
    ),
    ShowSpec(
        title="Kalimba Social Club",
        genres=("concert", "musiques du monde"),
        artists="Kalimba Social Club (dix musiciens)",
        description="Dix musiciens entre Rennes, Dakar et Lisbonne mêlent afrobeat, cumbia et "
        "chanson lusophone. Un concert au Club qui finit immanquablement en piste de danse.",
        duration=100,
        age="Tout public",
        accessibility=LANTERNE_ACCESS,
        hall="club",
        dates=((-4, 4, "20:30"),),
        prices=_single(1800),
        popularity=1.3,
    ),
    ShowSpec(
        title="Trio Brocéliande",
        genres=("concert", "jazz"),
        artists="Anne Quéré (piano), Malo Rivière (contrebasse), Sami Haddou (batterie)",
        description="Un trio de jazz acoustique qui puise dans les mélodies populaires "
        "bretonnes la matière de longues improvisations. Tables et chaises au Club pour "
        "l'occasion.",
        duration=90,
        age="Tout public",
        accessibility=LANTERNE_ACCESS,
        hall="club",
        dates=((-3, 2, "20:30"),),
        prices=_single(1400),
        popularity=1.2,
    ),
    ShowSpec(
        title="Youssef Amrani",
        genres=("concert", "soul"),
        artists="Youssef Amrani et son groupe",
        description="Voix chaude, cuivres et chœurs : Youssef Amrani revisite la soul des "
        "années soixante-dix avec des textes en français et en arabe. Sa tournée passe par "
        "la grande salle de la Lanterne.",
        duration=110,
        age="Tout public",
        accessibility=LANTERNE_ACCESS,
        hall="nef",
        dates=((-2, 5, "20:30"),),
        prices=_single(2000),
        popularity=0.9,
    ),
    ShowSpec(
        title="Sœurs Lumière",
        genres=("concert", "pop"),
        artists="Sœurs Lumière",
        description="Les deux sœurs rennaises jouent à domicile pour fêter dix ans de "
        "chansons. Harmonies vocales, guitares claires et quelques invités surprises.",
        duration=110,
        age="Tout public",
        accessibility=LANTERNE_ACCESS,
        hall="nef",
        dates=((1, 5, "20:30"),),
        prices=_single(2400),
        popularity=1.1,
    ),
    ShowSpec(
        title="La Boum des p'tits",
        genres=("concert", "jeune public"),
        artists="DJ Papillote et les musiciens de la Lanterne",
        description="Une boum pour les enfants et leurs parents, avec un DJ, des jeux de "
        "lumière et des chansons à reprendre en chœur. Le son est réglé pour les petites "
        "oreilles.",
        duration=60,
        age="De 3 à 8 ans",
        accessibility=LANTERNE_ACCESS,
        hall="club",
        dates=((2, 6, "16:00"),),
        prices=_single(800),
        popularity=1.3,
    ),
    ShowSpec(
        title="Mila Kerbrat",
        genres=("concert", "chanson"),
        artists="Mila Kerbrat (voix, piano)",
        description="Seule au piano, Mila Kerbrat chante les ports, les départs et ceux qui "
        "restent. Des chansons ciselées, entre humour et mélancolie.",
        duration=80,
        age="Tout public",
        accessibility=LANTERNE_ACCESS,
        hall="club",
        dates=((3, 3, "20:30"),),
        prices=_single(1600),
        popularity=1.2,
    ),
    ShowSpec(
        title="Tremplin Jeunes Pousses",
        genres=("concert", "découverte"),
        artists="Quatre groupes rennais sélectionnés par la Lanterne",
        description="Quatre jeunes groupes de la région, repérés lors des répétitions "
        "accompagnées, jouent leur premier vrai concert. Le public vote pour celui qui fera "
        "une première partie la saison prochaine.",
        duration=180,
        age="Tout public",
        accessibility=LANTERNE_ACCESS,
        hall="club",
        dates=((5, 4, "20:30"),),
        prices=_single(500),
        popularity=1.2,
    ),
    ShowSpec(
        title="Les Vagues Noires",
        genres=("concert", "post-punk"),
        artists="Les Vagues Noires ; première partie : Brume",
        description="Basse ronde, guitares glacées et textes scandés : le quintette nantais "
        "présente son troisième album. En première partie, le duo Brume.",
        duration=130,
        age="Tout public, protections auditives conseillées",
        accessibility=LANTERNE_ACCESS,
        hall="nef",
        dates=((7, 4, "20:30"),),
        prices=_single(2100),
    ),
    ShowSpec(
        title="MC Goudron & Lila V",
        genres=("concert", "hip-hop"),
        artists="MC Goudron, Lila V ; DJ Kerys",
        description="Deux voix du rap de l'Ouest partagent la scène pour un plateau généreux, "
        "entre textes engagés et refrains qui claquent. DJ Kerys chauffe la salle.",
        duration=150,
        age="Tout public",
        accessibility=LANTERNE_ACCESS,
        hall="nef",
        dates=((11, 4, "20:30"),),
        prices=_single(2000),
        popularity=1.0,
    ),
)

PROFILES = {
    "theatre": Profile(
        fee_cents=50,
        single_price=False,
        web_share=0.4,
        identified_share=0.6,
        new_buyers=90,
        sizes={1: 18, 2: 46, 3: 12, 4: 14, 5: 5, 6: 5},
        methods={
            Payment.Method.CARD_COUNTER: 55,
            Payment.Method.CASH: 30,
            Payment.Method.CHEQUE: 15,
        },
        shows=QUAI_SHOWS,
        cancel=Change(
            title="Traversées",
            index=0,
            days_ago=4,
            reason="Blessure d'un danseur de la compagnie : la représentation du jeudi ne "
            "peut pas être maintenue. Échange pour le vendredi ou remboursement.",
        ),
        reschedule=Change(
            title="Lettres de l'autre rive",
            index=1,
            days_ago=9,
            weeks_later=2,
            reason="Indisponibilité de la comédienne : la représentation est reportée de "
            "deux semaines, les billets restent valables.",
        ),
        exchange=True,
        access_info="Tram A, arrêt « Quai ». Parking de la Tannerie à 200 m (gratuit après "
        "19 h). Accès de plain-pied par l'entrée latérale.",
        doors_minutes=30,
    ),
    "music": Profile(
        fee_cents=0,
        single_price=True,
        web_share=0.7,
        identified_share=0.4,
        new_buyers=120,
        sizes={1: 20, 2: 50, 3: 12, 4: 13, 5: 5},
        methods={Payment.Method.CARD_COUNTER: 65, Payment.Method.CASH: 35},
        shows=LANTERNE_SHOWS,
        cancel=Change(
            title="Les Vagues Noires",
            index=0,
            days_ago=6,
            reason="Le groupe annule la fin de sa tournée pour raisons de santé. Les billets "
            "seront remboursés.",
        ),
        reschedule=Change(
            title="Mila Kerbrat",
            index=0,
            days_ago=12,
            weeks_later=3,
            reason="Report à la demande de l'artiste (enregistrement de son album) ; les "
            "billets restent valables.",
        ),
        exchange=False,
        access_info="Métro ligne a, station Gares, puis 5 minutes à pied. Parc à vélos "
        "couvert devant l'entrée.",
        doors_minutes=30,
    ),
}
SLUG_PROFILES = {"quai": "theatre", "lanterne": "music"}


# --- Seat picking (in memory: one query per layout, none per order) ------------------------
@dataclass
class _Seat:
    id: int
    row_key: tuple[int, str]
    x: float
    y: float
    rank: int
    wheelchair: bool
    companion: bool


class SeatPicker:
    """Chooses seats for demo buyers the way people do: good rows first, together, near the
    centre, leaving scattered single seats at the end. Wheelchair spaces and companion seats
    are only sold in pairs, to buyers who ask for them."""

    def __init__(self, seats: list[_Seat]):
        rows: dict[tuple[int, str], list[_Seat]] = {}
        for seat in seats:
            rows.setdefault(seat.row_key, []).append(seat)
        self.rows = [sorted(r, key=lambda s: s.x) for _k, r in sorted(rows.items())]
        self.by_id = {s.id: s for s in seats}
        self.free = {s.id for s in seats if not (s.wheelchair or s.companion)}
        self.wheelchair = sorted(s.id for s in seats if s.wheelchair)
        self.companions = sorted(s.id for s in seats if s.companion)

    def remaining(self) -> int:
        return len(self.free)

    def _runs(self, row: list[_Seat], n: int) -> list[list[_Seat]]:
        windows, run = [], []
        for seat in [*row, None]:
            if seat is not None and seat.id in self.free:
                run.append(seat)
                continue
            windows.extend(run[i : i + n] for i in range(len(run) - n + 1))
            run = []
        return windows

    def take(self, n: int, rng: random.Random, ranks: set[int] | None = None) -> list[int]:
        if n > len(self.free):
            return []
        weights, rows = [], []
        for row in self.rows:
            if ranks is not None and row[0].rank not in ranks:
                continue
            free = sum(1 for s in row if s.id in self.free)
            if free >= n:
                rows.append(row)
                weights.append({1: 5.0, 2: 2.5}.get(row[0].rank, 1.0) * free / len(row))
        for _attempt in range(6 if rows else 0):
            row = rng.choices(rows, weights)[0]
            windows = self._runs(row, n)
            if windows:
                best = min(windows, key=lambda w: abs(w[0].x + w[-1].x) / 2 + rng.random() * 3)
                return self._mark([s.id for s in best])
        # A big group or a nearly full hall: the best free seats, row after row.
        pool = [s for s in (self.by_id[i] for i in self.free) if ranks is None or s.rank in ranks]
        if len(pool) < n:
            return []
        pool.sort(key=lambda s: (s.rank, s.y, abs(s.x)))
        return self._mark([s.id for s in pool[:n]])

    def take_accessible(self) -> list[int]:
        """A wheelchair space and the companion seat next to it."""
        for wheelchair in self.wheelchair:
            w = self.by_id[wheelchair]
            near = [c for c in self.companions if self.by_id[c].row_key == w.row_key]
            if near:
                companion = min(near, key=lambda c: abs(self.by_id[c].x - w.x))
                self.wheelchair.remove(wheelchair)
                self.companions.remove(companion)
                return [wheelchair, companion]
        return []

    def _mark(self, ids: list[int]) -> list[int]:
        self.free.difference_update(ids)
        return ids


# --- Halls -------------------------------------------------------------------------------
def _seat_ids(section, row: str, numbers) -> list[int]:
    return list(
        Seat.objects.filter(section=section, row=row, number__in=numbers).values_list(
            "id", flat=True
        )
    )


def _build_theatre_halls() -> dict[str, Layout]:
    grande = halls.create_hall(
        name="Grande salle",
        description="Salle à l'italienne rénovée : orchestre en arc de cercle et balcon.",
    )
    layout = halls.create_layout(hall=grande, name="Configuration assise")
    orchestra = halls.generate_section(
        layout=layout,
        name="Orchestre",
        rows=14,
        seats_per_row=22,
        curve=0.8,
        numbering="odd_even",
        rank_rows=[1] * 8 + [2] * 6,
    )
    balcony = halls.generate_section(
        layout=layout,
        name="Balcon",
        rows=6,
        seats_per_row=18,
        origin_y=21.5,
        curve=0.5,
        numbering="odd_even",
        rank_rows=[2, 2, 2, 2, 3, 3],
    )
    last = halls.row_labels(14)[-1]
    # Aisle ends of the last orchestra row: two wheelchair spaces per side, companions next.
    halls.update_seats(
        layout=layout, seat_ids=_seat_ids(orchestra, last, [19, 20, 21, 22]), wheelchair=True
    )
    halls.update_seats(
        layout=layout, seat_ids=_seat_ids(orchestra, last, [15, 16, 17, 18]), companion=True
    )
    halls.update_seats(
        layout=layout, seat_ids=_seat_ids(orchestra, "B", range(1, 7)), hearing_loop=True
    )
    # The balcony ends look at the stage past a column.
    halls.update_seats(
        layout=layout, seat_ids=_seat_ids(balcony, "A", [17, 18]), restricted_view=True
    )
    halls.update_seats(
        layout=layout, seat_ids=_seat_ids(balcony, "B", [17, 18]), restricted_view=True
    )

    vitez = halls.create_hall(
        name="Salle Vitez", description="Studio en gradin, au plus près des acteurs."
    )
    studio = halls.create_layout(hall=vitez, name="Gradin")
    tiers = halls.generate_section(
        layout=studio,
        name="Gradin",
        rows=9,
        seats_per_row=10,
        origin_y=2.0,
        row_spacing=1.0,
        stagger=True,
        rank_rows=[1] * 5 + [2] * 4,
    )
    halls.update_seats(layout=studio, seat_ids=_seat_ids(tiers, "A", [1]), wheelchair=True)
    halls.update_seats(layout=studio, seat_ids=_seat_ids(tiers, "A", [2]), companion=True)
    return {"grande": layout, "vitez": studio}


def _build_music_halls() -> dict[str, Layout]:
    nef = halls.create_hall(
        name="La Nef", description="Grande salle de concert debout, avec un petit balcon assis."
    )
    standing = halls.create_layout(hall=nef, name="Debout")
    halls.add_zone(layout=standing, name="Fosse", capacity=600)
    halls.generate_section(
        layout=standing,
        name="Balcon",
        rows=4,
        seats_per_row=15,
        origin_y=28.0,
        curve=0.3,
        rank_rows=[1, 1, 2, 2],
    )
    club = halls.create_hall(name="Le Club", description="Petite salle en placement libre.")
    club_layout = halls.create_layout(hall=club, name="Debout")
    halls.add_zone(layout=club_layout, name="Club", capacity=180)
    return {"nef": standing, "club": club_layout}


def _layout_seats(layout: Layout) -> list[_Seat]:
    return [
        _Seat(sid, (order, row), x, y, rank, wheelchair, companion)
        for sid, order, row, x, y, rank, wheelchair, companion in Seat.objects.filter(
            section__layout=layout, is_blocked=False
        ).values_list("id", "section__order", "row", "x", "y", "rank", "wheelchair", "companion")
    ]


# --- The season --------------------------------------------------------------------------
@dataclass
class _Perf:
    performance: Performance
    spec: ShowSpec
    starts_at: datetime  # the real date (past performances are sold at a later one first)
    picker: SeatPicker | None
    zones: dict[int, int]  # PerformanceZone id -> places left
    categories: dict[int, str]  # seat rank -> price category, if not the default one
    default_category: str  # every other seat, and the general-admission zones
    school: bool = False
    sell_until: datetime | None = None

    def price(self, seat_id: int | None, tariff: str) -> int:
        rank = self.picker.by_id[seat_id].rank if seat_id else None
        return self.spec.prices[self.categories.get(rank, self.default_category)][tariff]


@dataclass
class _Sale:
    order_id: int
    reference: str
    perf: _Perf
    channel: str
    method: str
    tickets: int
    total: int
    sold_at: datetime
    buyer: int | None  # index into the buyer list, None for an anonymous counter buyer
    seats: list[int] = field(default_factory=list)


@dataclass
class _Refund:
    sale: _Sale
    at: datetime
    tickets: int
    amount: int


@dataclass
class _Exchange:
    sale: _Sale
    at: datetime
    tickets: list[int]
    hold: int
    payments: list[int]  # a top-up or a voucher, if the prices differed


class _Season:
    def __init__(self, venue, profile: Profile, rng: random.Random):
        self.venue, self.profile, self.rng = venue, profile, rng
        self.tz = ZoneInfo(venue.timezone or "Europe/Paris")
        self.now = timezone.now()
        today = timezone.localtime(self.now, self.tz).date()
        self.monday = today - timedelta(days=today.weekday())
        self.season_open = self.now - timedelta(days=110)
        self.tariffs = dict(Tariff.objects.values_list("code", "id"))
        self.settings = SalesSettings.current()
        staff = User.objects.filter(is_active=True).order_by("pk")
        self.cashier = staff.filter(role=User.Role.BOX_OFFICE).first()
        self.admin = staff.filter(role=User.Role.ADMIN).first()
        self.perfs: list[_Perf] = []
        self.sales: list[_Sale] = []
        self.refunds: list[_Refund] = []
        self.exchange: _Exchange | None = None
        self.changes: list[tuple[int, datetime]] = []  # ProgrammeChange id -> decided at

    # Dates ---------------------------------------------------------------------------------
    def at(self, when: When) -> datetime:
        week, weekday, hhmm = when
        day = self.monday + timedelta(weeks=week, days=weekday)
        if (day.month, day.day) in NO_SHOW_DAYS:
            day += timedelta(weeks=1)
        hours, minutes = (int(p) for p in hhmm.split(":"))
        return datetime.combine(day, time(hours, minutes), tzinfo=self.tz)

    def local(self, day, hours: float) -> datetime:
        return datetime.combine(day, time(0, 0), tzinfo=self.tz) + timedelta(hours=hours)

    def sale_time(self, perf: _Perf, channel: str) -> datetime:
        """Two thirds of the seats sell in the last two weeks before the show. In UTC: adding
        a duration to a local time would be off by an hour across a daylight-saving change."""
        rng, starts = self.rng, perf.starts_at
        latest = min(self.now - timedelta(minutes=30), starts - timedelta(minutes=10))
        if perf.sell_until:
            latest = min(latest, perf.sell_until)
        latest = latest.astimezone(UTC)
        earliest = max(self.season_open, starts - timedelta(days=80)).astimezone(UTC)
        if earliest >= latest:  # a show far ahead: on sale since the season opened
            earliest = self.season_open
        for _try in range(6):
            days = rng.uniform(0, 14) if rng.random() < 0.65 else rng.uniform(14, 80)
            day = timezone.localtime(starts - timedelta(days=days), self.tz).date()
            if channel == "web":  # any waking hour
                moment = self.local(day, rng.uniform(7.5, 23.5))
            elif day == timezone.localtime(starts, self.tz).date() and rng.random() < 0.5:
                moment = starts - timedelta(minutes=rng.uniform(5, 60))  # at the door
            else:
                if day.weekday() == 6:  # the box office is closed on Sundays
                    day -= timedelta(days=1)
                moment = self.local(day, rng.uniform(13, 18.5))
            if earliest <= moment <= latest:
                return moment.astimezone(UTC)
        return earliest + (latest - earliest) * rng.random()

    # Programme -----------------------------------------------------------------------------
    def schedule(self, layouts: dict[str, Layout]) -> None:
        seats = {key: _layout_seats(layout) for key, layout in layouts.items()}
        for spec in self.profile.shows:
            show = programme.create_show(
                title=spec.title,
                subtitle=spec.subtitle,
                description=spec.description,
                artists=spec.artists,
                genres=list(spec.genres),
                duration_minutes=spec.duration,
                age_guidance=spec.age,
                accessibility_notes=spec.accessibility,
            )
            layout = layouts[spec.hall]
            plan = self.plan(spec, layout)
            # Cat. 1 is the rank-1 seats and Cat. 2 the rest, or one category for everything.
            categories = {1: "Cat. 1"} if len(plan) > 1 else {}
            default = plan[-1].name
            for index, when in enumerate(spec.dates):
                starts = self.at(when)
                scheduled = starts
                if starts <= self.now:
                    # Demo data only: the services rightly refuse to sell a performance that is
                    # over, so a past performance is scheduled the same weekday and hour some
                    # weeks ahead, sold, then moved back to its real date (see move_back()).
                    weeks = math.ceil((self.now - starts) / timedelta(weeks=1)) + 1
                    scheduled = starts + timedelta(weeks=weeks)
                performance = programme.schedule_performance(
                    show=show,
                    layout=layout,
                    starts_at=scheduled,
                    plan=plan,
                    doors_open_at=scheduled - timedelta(minutes=self.profile.doors_minutes),
                    access_info=self.profile.access_info,
                )
                zones = dict(
                    PerformanceZone.objects.filter(performance=performance).values_list(
                        "id", "capacity"
                    )
                )
                self.perfs.append(
                    _Perf(
                        performance=performance,
                        spec=spec,
                        starts_at=starts,
                        picker=SeatPicker(seats[spec.hall]) if seats[spec.hall] else None,
                        zones=zones,
                        categories=categories,
                        default_category=default,
                        school=index in spec.school_dates,
                    )
                )

    def plan(self, spec: ShowSpec, layout: Layout) -> list[CategoryPlan]:
        if len(spec.prices) == 1:  # one category for every seat and zone
            ((name, prices),) = spec.prices.items()
            return [CategoryPlan(name=name, prices=prices, color=SINGLE_COLOR)]
        return [
            CategoryPlan(name="Cat. 1", ranks={1}, prices=spec.prices["Cat. 1"], color=CAT1_COLOR),
            CategoryPlan(name="Cat. 2", prices=spec.prices["Cat. 2"], color=CAT2_COLOR),
        ]

    def find(self, title: str, index: int) -> _Perf:
        return [p for p in self.perfs if p.spec.title == title][index]

    def set_aside(self) -> None:
        """Press seats for a première, partner seats at a concert (public sale skips them)."""
        upcoming = [p for p in self.perfs if p.starts_at > self.now and p.picker]
        if not upcoming:
            return
        perf = (
            upcoming[0]
            if self.profile.single_price
            else next(
                (p for p in upcoming if len(p.spec.prices) > 1 and p.spec.hall == "grande"),
                upcoming[0],
            )
        )
        kind, name, ranks = (
            (Allocation.Kind.PARTNER, "Partenaires — radio locale", None)
            if self.profile.single_price
            else (Allocation.Kind.PRESS, "Presse — première", {1})
        )
        seat_ids = perf.picker.take(4 if self.profile.single_price else 6, self.rng, ranks)
        if seat_ids:
            allocate_seats(performance=perf.performance, kind=kind, name=name, seat_ids=seat_ids)

    # Sales ---------------------------------------------------------------------------------
    def target(self, perf: _Perf) -> int:
        rng = self.rng
        capacity = (perf.picker.remaining() if perf.picker else 0) + sum(perf.zones.values())
        if perf.school:
            fill = rng.uniform(0.7, 0.8)  # school groups, booked well ahead
        elif perf.starts_at <= self.now:
            fill = min(0.9, rng.uniform(0.3, 0.55) * perf.spec.popularity)
        else:
            weeks = (perf.starts_at - self.now) / timedelta(weeks=1)
            fill = (0.5 - 0.035 * weeks) * perf.spec.popularity * rng.uniform(0.85, 1.1)
            fill = max(0.10, min(0.80, fill))
        return int(capacity * fill)

    def sell_all(self, buyers: int, weights: list[float]) -> None:
        weights = list(itertools.accumulate(weights))  # cumulative: drawn once per order
        for perf in self.perfs:
            sold, target = 0, self.target(perf)
            if perf.picker and perf.picker.wheelchair and self.rng.random() < 0.5:
                sold += self.sell_one(perf, 2, buyers, weights, accessible=True)
            while sold < target:
                got = self.sell_one(perf, None, buyers, weights, left=target - sold)
                if not got:
                    break
                sold += got

    def sell_one(
        self,
        perf: _Perf,
        size: int | None,
        buyers: int,
        weights: list[float],
        accessible: bool = False,
        left: int = 20,
    ) -> int:
        rng, profile = self.rng, self.profile
        channel = "web" if rng.random() < profile.web_share else "box_office"
        # Associations, works councils, schools: a good share of a theatre's seats.
        group = perf.school or (channel == "box_office" and rng.random() < 0.06)
        invitation = (
            "invitation" in perf.spec.prices[perf.default_category]
            and channel == "box_office"
            and not group
            and rng.random() < 0.03
        )
        if size is None:
            if group:
                size = rng.randint(12, 20) if perf.school else rng.randint(8, 14)
            else:
                size = rng.choices(list(profile.sizes), list(profile.sizes.values()))[0]
            size = min(size, 2 if invitation else 20, max(left, 1))
        if perf.school or accessible:
            channel = "box_office"

        # Where: a seat map, or a general-admission zone (the balcony tempts a few).
        request, seat_ids, zone_id = None, [], None
        open_zones = [z for z, places in perf.zones.items() if places >= size]
        if perf.picker and (not open_zones or rng.random() < 0.12):
            seat_ids = perf.picker.take_accessible() if accessible else perf.picker.take(size, rng)
            if seat_ids:
                request = HoldRequest(seat_ids=seat_ids)
        if request is None and open_zones:
            zone_id = rng.choice(open_zones)
            request = HoldRequest(zones={zone_id: size})
        if request is None:
            return 0

        # What: the tariff of each place, and a payment of exactly the total (the services
        # price the order; the demo works the same total out, checked below).
        default, per_seat = self.tariff_codes(perf, seat_ids, group=group, invitation=invitation)
        prices = [perf.price(sid, per_seat.get(sid, default)) for sid in seat_ids]
        if zone_id is not None:
            prices = [perf.price(None, default)] * size
        total = sum(price + self.settings.fee_for(price) for price in prices)
        method = self.payment_method(channel, group=group)
        order = orders.sell(
            performance=perf.performance,
            request=request,
            tariffs=TariffChoice(
                default=self.tariffs[default],
                seats={sid: self.tariffs[code] for sid, code in per_seat.items()},
            ),
            payments=[PaymentSpec(method=method, amount_cents=total)] if total else [],
            channel=channel,
            actor=self.cashier if channel == "box_office" else None,
        )
        if order.total_cents != total:  # the demo's arithmetic must agree with the services'
            raise RuntimeError(f"Order {order.reference}: paid {total}, priced {order.total_cents}")
        if zone_id is not None:
            perf.zones[zone_id] -= size
        # Who: people from the contact base, newcomers, or an anonymous counter buyer. The
        # buyer is attached after the sale is dated (see report_to_crm()).
        buyer = None
        if not perf.school and (
            channel == "web" or accessible or rng.random() < profile.identified_share
        ):
            buyer = rng.choices(range(buyers), cum_weights=weights)[0]
        self.sales.append(
            _Sale(
                order_id=order.pk,
                reference=order.reference,
                perf=perf,
                channel=channel,
                method=method,
                tickets=size,
                total=total,
                sold_at=self.sale_time(perf, channel),
                buyer=buyer,
                seats=seat_ids,
            )
        )
        return size

    def tariff_codes(
        self, perf: _Perf, seat_ids: list[int], *, group: bool, invitation: bool
    ) -> tuple[str, dict[int, str]]:
        """The default tariff code, and the seats that take another one."""
        if self.profile.single_price:
            return "unique", {}
        if invitation:
            return "invitation", {}
        if group:
            return "reduit", {}
        share = 0.55 if "jeune public" in perf.spec.genres else 0.3  # children, students...
        return "plein", {sid: "reduit" for sid in seat_ids if self.rng.random() < share}

    def payment_method(self, channel: str, *, group: bool) -> str:
        if channel == "web":
            online = self.rng.random() >= 0.06  # a few went through the offline test provider
            return Payment.Method.ONLINE if online else Payment.Method.OFFLINE_TEST
        if group and Payment.Method.CHEQUE in self.profile.methods:
            return Payment.Method.CHEQUE  # schools and associations pay by cheque
        methods = self.profile.methods
        return self.rng.choices(list(methods), list(methods.values()))[0]

    def move_back(self) -> None:
        """Demo data only: put past performances back at their real date (see schedule())."""
        for perf in self.perfs:
            if perf.performance.starts_at != perf.starts_at:
                Performance.objects.filter(pk=perf.performance.pk).update(
                    starts_at=perf.starts_at,
                    doors_open_at=perf.starts_at - timedelta(minutes=self.profile.doors_minutes),
                )
                perf.performance.refresh_from_db(fields=["starts_at", "doors_open_at"])

    # Programme changes, refunds, an exchange -----------------------------------------------
    def prepare_changes(self) -> None:
        """Sales of the performance to cancel stop when the venue decided to cancel it."""
        cancel = self.profile.cancel
        self.find(cancel.title, cancel.index).sell_until = self.now - timedelta(
            days=cancel.days_ago
        )

    def apply_changes(self) -> None:
        rng = self.rng
        cancel, move = self.profile.cancel, self.profile.reschedule
        cancelled = self.find(cancel.title, cancel.index)
        change = programme.cancel_performance(
            performance=cancelled.performance, reason=cancel.reason, actor=self.admin
        )
        decided = self.now - timedelta(days=cancel.days_ago)
        self.changes.append((change.pk, decided))
        sales = [s for s in self.sales if s.perf is cancelled and s.total > 0]
        rng.shuffle(sales)
        if self.profile.exchange and sales:
            others = [p for p in self.perfs if p.spec is cancelled.spec and p is not cancelled]
            for candidate in [s for s in sales if s.seats][:10] if others else []:
                if self.exchange_sale(candidate, others[0], decided + timedelta(days=1)):
                    sales.remove(candidate)
                    break
        for sale in sales[:6]:
            self.refund(sale, decided + timedelta(hours=rng.uniform(20, 24 * cancel.days_ago - 6)))

        moved = self.find(move.title, move.index)
        new_start = moved.starts_at + timedelta(weeks=move.weeks_later)
        change = programme.reschedule_performance(
            performance=moved.performance, starts_at=new_start, reason=move.reason, actor=self.admin
        )
        self.changes.append((change.pk, self.now - timedelta(days=move.days_ago)))

        # Two more: a ticket given back before a past show, another before an upcoming one.
        for past in (True, False):
            pool = [
                s
                for s in self.sales
                if s.tickets >= 2
                and s.total > 0
                and s.perf is not cancelled
                and (s.perf.starts_at <= self.now) == past
                and min(self.now, s.perf.starts_at) - s.sold_at > timedelta(days=3)
            ]
            if pool:
                sale = rng.choice(pool)
                latest = min(self.now, sale.perf.starts_at) - timedelta(hours=2)
                at = sale.sold_at + (latest - sale.sold_at) * rng.uniform(0.2, 0.9)
                self.refund(sale, at, partial=True)

    def refund(self, sale: _Sale, at: datetime, partial: bool = False) -> None:
        order = Order.objects.get(pk=sale.order_id)
        ticket_ids = None
        if partial:
            ticket_ids = list(
                order.tickets.filter(status=Ticket.Status.VALID)
                .order_by("-id")
                .values_list("id", flat=True)[:1]
            )
        method = (
            sale.method if sale.method != Payment.Method.OFFLINE_TEST else Payment.Method.ONLINE
        )
        before = order.refunded_cents
        order = orders.refund_order(
            order=order,
            ticket_ids=ticket_ids,
            method=method,
            actor=self.cashier,
            reason="Spectacle annulé" if not partial else "Empêchement du spectateur",
        )
        tickets = len(ticket_ids) if ticket_ids else sale.tickets
        self.refunds.append(_Refund(sale, at, tickets, order.refunded_cents - before))

    def exchange_sale(self, sale: _Sale, target: _Perf, at: datetime) -> bool:
        """Move a whole order to the other date, same tariff, same category if possible."""
        old = list(
            Ticket.objects.filter(order_id=sale.order_id, status=Ticket.Status.VALID).values_list(
                "id", "tariff_id", "price_cents"
            )
        )
        if len({t for _i, t, _p in old}) != 1:  # the service applies one tariff to all
            return False
        tariff = old[0][1]
        ranks = {target.picker.by_id[sid].rank for sid in sale.seats}
        wanted = {1} if ranks == {1} else {2, 3}
        seat_ids = target.picker.take(len(old), self.rng, wanted) or target.picker.take(
            len(old), self.rng
        )
        if not seat_ids:
            return False
        order = Order.objects.get(pk=sale.order_id)
        code = next(c for c, i in self.tariffs.items() if i == tariff)
        new_total = sum(target.price(s, code) for s in seat_ids)
        difference = new_total - sum(p for _i, _t, p in old)
        payments_before = set(order.payments.values_list("pk", flat=True))
        new = orders.exchange_tickets(
            order=order,
            ticket_ids=[i for i, _t, _p in old],
            to_performance=target.performance,
            request=HoldRequest(seat_ids=seat_ids),
            tariffs=TariffChoice(default=tariff),
            payment=PaymentSpec(method=Payment.Method.CARD_COUNTER, amount_cents=difference)
            if difference > 0
            else None,
            actor=self.cashier,
        )
        hold = Hold.objects.filter(performance=target.performance, order__isnull=True).latest("pk")
        top_up = set(order.payments.values_list("pk", flat=True)) - payments_before
        self.exchange = _Exchange(sale, at, [t.pk for t in new], hold.pk, sorted(top_up))
        return True

    # Dating the sales, telling crm ---------------------------------------------------------
    def date_sales(self) -> None:
        """Demo data only: the services stamp everything with the current time; spread the
        orders (and their tickets, payments, carts and history) over the season instead."""
        rng = self.rng
        ids = [s.order_id for s in self.sales]
        Order.objects.bulk_update(
            [
                Order(
                    pk=s.order_id,
                    created_at=s.sold_at,
                    paid_at=s.sold_at + timedelta(seconds=rng.randint(15, 150)),
                )
                for s in self.sales
            ],
            ["created_at", "paid_at"],
            batch_size=500,
        )
        order = Order.objects.filter(pk=OuterRef("order_id"))
        paid_at = Subquery(order.values("paid_at")[:1])
        Ticket.objects.filter(order_id__in=ids).update(created_at=paid_at)
        Payment.objects.filter(order_id__in=ids, amount_cents__gt=0).update(created_at=paid_at)
        OrderEvent.objects.filter(order_id__in=ids, code="ticketing.order.created").update(
            created_at=paid_at
        )
        cart = Subquery(Order.objects.filter(hold_id=OuterRef("pk")).values("created_at")[:1])
        Hold.objects.filter(order__id__in=ids).update(
            created_at=cart,
            expires_at=ExpressionWrapper(
                cart + timedelta(minutes=self.settings.hold_minutes),
                output_field=DateTimeField(),
            ),
        )
        for refund in self.refunds:
            Payment.objects.filter(order_id=refund.sale.order_id, amount_cents__lt=0).update(
                created_at=refund.at
            )
            OrderEvent.objects.filter(
                order_id=refund.sale.order_id, code="ticketing.order.refunded"
            ).update(created_at=refund.at)
        if self.exchange:
            at = self.exchange.at
            Ticket.objects.filter(pk__in=self.exchange.tickets).update(created_at=at)
            OrderEvent.objects.filter(
                order_id=self.exchange.sale.order_id, code="ticketing.order.exchanged"
            ).update(created_at=at)
            Payment.objects.filter(pk__in=self.exchange.payments).update(created_at=at)
            Hold.objects.filter(pk=self.exchange.hold).update(
                created_at=at, expires_at=at + timedelta(minutes=self.settings.hold_minutes)
            )
        for change_id, decided in self.changes:
            ProgrammeChange.objects.filter(pk=change_id).update(created_at=decided)

    def report_to_crm(self, people: list) -> None:
        """Attach buyers to their orders and tell crm, through its services, of each purchase
        and refund at its (demo) date, so first/last purchase dates and timelines look real.
        `people` holds existing contact ids (int) and newcomers (dict, created on first buy)."""
        contacts: dict[int, int] = {}
        labels = {
            p.pk: str(p)
            for p in Performance.objects.select_related("show").filter(
                pk__in=[perf.performance.pk for perf in self.perfs]
            )
        }
        paid_at = dict(
            Order.objects.filter(pk__in=[s.order_id for s in self.sales]).values_list(
                "pk", "paid_at"
            )
        )
        updates = []
        for sale in sorted(self.sales, key=lambda s: s.sold_at):
            if sale.buyer is None:
                continue
            if sale.buyer not in contacts:
                person = people[sale.buyer]
                if isinstance(person, int):
                    contacts[sale.buyer] = person
                else:
                    source = Source.WEB if sale.channel == "web" else Source.BOX_OFFICE
                    contact = crm.find_or_create_contact(source=source, **person["identity"])
                    if person["newsletter"]:
                        crm.set_consent(
                            contact=contact,
                            channel=Consent.Channel.EMAIL_NEWSLETTER,
                            granted=True,
                            source=source,
                            recorded_at=paid_at[sale.order_id],
                        )
                    contacts[sale.buyer] = contact.pk
            contact_id = contacts[sale.buyer]
            updates.append(Order(pk=sale.order_id, contact_id=contact_id))
            crm.record_purchase(
                contact_id=contact_id,
                order_reference=sale.reference,
                tickets=sale.tickets,
                amount_cents=sale.total,
                occurred_at=paid_at[sale.order_id],
                performance_label=labels[sale.perf.performance.pk],
                channel=sale.channel,
            )
        Order.objects.bulk_update(updates, ["contact"], batch_size=500)
        for refund in self.refunds:
            if refund.sale.buyer is None:
                continue
            crm.record_refund(
                contact_id=contacts[refund.sale.buyer],
                order_reference=refund.sale.reference,
                # As refund_order() numbers them; a demo order is refunded at most once.
                refund_reference=f"{refund.sale.reference}-R1",
                tickets=refund.tickets,
                amount_cents=refund.amount,
                occurred_at=refund.at,
            )


def _people(venue, rng: random.Random, newcomers: int) -> tuple[list, list[float]]:
    """Who buys: the contact base (a few loyal regulars buy often, many once, some never)
    plus people the venue does not know yet, who become contacts with their first order."""
    existing = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    rng.shuffle(existing)
    fake = Faker("fr_FR")
    fake.seed_instance(rng.randrange(2**32))
    prefix = (venue.postcode or "75000")[:2]
    people: list = list(existing)
    for n in range(newcomers):
        first, last = fake.first_name(), fake.last_name()
        local = f"{slugify(first)}.{slugify(last)}".replace("-", "")
        people.append(
            {
                "identity": {
                    # Example domains and the fiction phone range, as in crm.demo.
                    "email": f"{local}.{n}@{rng.choice(['example.fr', 'example.com'])}",
                    "first_name": first,
                    "last_name": last,
                    "phone": f"+3363998{rng.randrange(10000):04d}" if rng.random() < 0.4 else "",
                    "postcode": f"{prefix}{rng.randrange(1000):03d}"
                    if rng.random() < 0.7
                    else fake.postcode(),
                },
                "newsletter": rng.random() < 0.4,
            }
        )
    weights = [1 / (i + 1) ** 0.6 for i in range(len(existing))]
    weights += [1 / (len(existing) / 2 + 1) ** 0.6] * newcomers
    if existing:  # a fifth of the base never buys this season
        for i in rng.sample(range(len(existing)), len(existing) // 5):
            weights[i] = 0.0
    return people, weights


def seed_venue(venue, rng: random.Random) -> None:
    # One draw from the shared stream whatever happens, so later apps see the same stream on
    # every run; everything below uses this venue's own generator.
    local = random.Random(rng.randrange(2**32))  # noqa: S311 (demo data, reproducible)
    if Hall.objects.exists():
        return
    profile = PROFILES[SLUG_PROFILES.get(venue.slug, "theatre")]
    with transaction.atomic():  # all or nothing: a failed seed leaves no half-built venue
        programme.ensure_default_tariffs()
        programme.update_sales_settings(
            fee_cents=profile.fee_cents, hold_minutes=10, single_price_mode=profile.single_price
        )
        layouts = _build_music_halls() if profile.single_price else _build_theatre_halls()
        season = _Season(venue, profile, local)
        season.schedule(layouts)
        season.set_aside()
        season.prepare_changes()
        people, weights = _people(venue, local, profile.new_buyers)
        season.sell_all(len(people), weights)
        season.move_back()
        season.apply_changes()
        season.date_sales()
        season.report_to_crm(people)
