"""The music venue's season ("lanterne"): concerts in a standing hall with a small seated
balcony and in a club, at one single price."""

from ticketing.demo.specs import Change, Profile, ShowSpec
from ticketing.models import Payment


def _single(cents: int) -> dict[str, dict[str, int]]:
    return {"Tarif unique": {"unique": cents}}


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

MUSIC = Profile(
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
)
