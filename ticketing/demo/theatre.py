"""The theatre season ("quai", and any venue without a season of its own): drama, dance,
circus and music in a seated main hall with two price categories, and a studio."""

from ticketing.demo.specs import Change, Profile, ShowSpec
from ticketing.models import Payment


def _cats(cat1: int, cat2: int, off: int) -> dict[str, dict[str, int]]:
    """Cat. 1 / Cat. 2 with full, reduced and invitation tariffs (theatre)."""
    return {
        "Cat. 1": {"plein": cat1, "reduit": cat1 - off, "invitation": 0},
        "Cat. 2": {"plein": cat2, "reduit": cat2 - off, "invitation": 0},
    }


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

THEATRE = Profile(
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
)
