"""Benchmark: the same generated contacts as bench_dedup, deduplicated by splink (DuckDB), to
compare with crm/dedup on CRM-like fields only (first name, last name, street, postcode,
town: no email, no phone, as in public record-linkage benchmarks).

splink is a development dependency (pyproject's `dev` extra), never used by the product. The
model: names with splink's NameComparison (term frequencies), street and postcode by
Levenshtein distance, town exact (term frequencies); six blocking rules close to the engine's
(last name + postcode, both names, first name + postcode, street + postcode, each name +
town); λ from the records agreeing on both names and the town, u by random sampling, m by two
EM passes; clusters at 0.9 like bench_dedup. Fields are normalised with crm/dedup's own
functions first (ASCII lowercase names, expanded street words, 5-digit postcodes). Times
include the DuckDB work, not the generation. Last line:
`RESULT engine=splink precision=… recall=… f1=… seconds=…`.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.dedup.records import name_tokens, normalize_postcode, normalize_street, normalize_town

from ._dedup_variant import generate_variant
from .bench_dedup import evaluate, generate_contacts


class Command(BaseCommand):
    help = "Deduplicate bench_dedup's generated contacts with splink, for comparison."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=20_000)
        parser.add_argument("--dup-rate", type=float, default=0.1)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--generator", choices=["default", "variant"], default="default")

    def handle(self, *args, contacts, dup_rate, seed, generator, **options):
        try:
            import duckdb
            import splink.comparison_library as cl
            from splink import DuckDBAPI, Linker, SettingsCreator, block_on
        except ImportError as error:
            raise CommandError(
                "splink is an optional dependency: pip install -e '.[splink]'"
            ) from error
        generate = generate_variant if generator == "variant" else generate_contacts
        records, truth = generate(contacts, dup_rate, seed)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "records.csv"
            with path.open("w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(
                    ["unique_id", "first_name", "surname", "street", "postcode", "town"]
                )
                for r in records:
                    writer.writerow(
                        [
                            r.id,
                            "".join(name_tokens(r.first_name)) or None,
                            "".join(name_tokens(r.last_name)) or None,
                            normalize_street(r.street)[0] or None,
                            normalize_postcode(r.postcode) or None,
                            normalize_town(r.town) or None,
                        ]
                    )
            started = time.perf_counter()
            con = duckdb.connect()
            db_api = DuckDBAPI(connection=con)
            table = db_api.register(con.read_csv(str(path), all_varchar=True))
            settings = SettingsCreator(
                link_type="dedupe_only",
                comparisons=[
                    cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
                    cl.NameComparison("surname").configure(term_frequency_adjustments=True),
                    cl.LevenshteinAtThresholds("street", [2, 5]),
                    cl.LevenshteinAtThresholds("postcode", [1]),
                    cl.ExactMatch("town").configure(term_frequency_adjustments=True),
                ],
                blocking_rules_to_generate_predictions=[
                    block_on("surname", "postcode"),
                    block_on("first_name", "surname"),
                    block_on("first_name", "postcode"),
                    block_on("street", "postcode"),
                    block_on("surname", "town"),
                    block_on("first_name", "town"),
                ],
            )
            linker = Linker(table, settings, log_level=40)
            linker.training.estimate_probability_two_random_records_match(
                [block_on("first_name", "surname", "town")], recall=0.7
            )
            linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on("first_name", "surname")
            )
            linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
            predictions = linker.inference.predict(threshold_match_probability=0.9)
            clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.9)
            rows = con.sql(f"SELECT cluster_id, unique_id FROM {clusters.physical_name}").fetchall()  # noqa: S608
            seconds = time.perf_counter() - started
        groups: dict[str, list[int]] = defaultdict(list)
        for cluster, record in rows:
            groups[cluster].append(int(record))
        precision, recall, f1 = evaluate([g for g in groups.values() if len(g) > 1], truth)
        self.stdout.write(
            f"RESULT engine=splink generator={generator} precision={precision:.4f} "
            f"recall={recall:.4f} f1={f1:.4f} seconds={seconds:.1f}"
        )
