"""The demo halls and their seat maps, built through the hall services: the theatre's main
hall (orchestra and balcony) and studio, or the music venue's standing hall with a seated
balcony, and its club."""

from __future__ import annotations

from ticketing.models import Layout, Seat
from ticketing.services import halls


def _seat_ids(section, row: str, numbers) -> list[int]:
    return list(
        Seat.objects.filter(section=section, row=row, number__in=numbers).values_list(
            "id", flat=True
        )
    )


def build_theatre_halls() -> dict[str, Layout]:
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


def build_music_halls() -> dict[str, Layout]:
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
