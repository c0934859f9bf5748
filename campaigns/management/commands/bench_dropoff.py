"""Evaluate the drop-off method (no database needed).

python manage.py bench_dropoff [--contacts 3000] [--seed 12]
    Simulated histories with planted drifters and stoppers: precision and recall of the
    alert list, AUC of the drift score; and the "no visit next quarter" ranking against
    the original BG/NBD and recency.
    RESULT precision=… recall=… auc=… noreturn_auc=… bgnbd_auc=… recency_auc=…

python manage.py bench_dropoff --csv transactions.csv --split 1997-10-01 [--horizon-days N]
    Any (customer_id, date) CSV (header first; CDNOW's YYYYMMDD dates are read too): AUC of
    ranking the customers who bought before the split and make no purchase in the
    horizon after it (default: to the last date of the file).
    RESULT auc=… bgnbd_auc=… recency_auc=… customers=… no_return=…
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from campaigns.dropoff.evaluation import (
    evaluate_alerts,
    evaluate_no_return,
    read_transactions,
    simulate,
)
from campaigns.dropoff.method import Thresholds


class Command(BaseCommand):
    help = "Precision, recall and AUC of the drop-off alerts (simulated or from a CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=12)
        parser.add_argument("--csv", help="a (customer, date) transactions file")
        parser.add_argument("--split", help="YYYY-MM-DD: the observation end (with --csv)")
        parser.add_argument("--horizon-days", type=int, default=0)

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options["csv"]:
            self._csv(options)
        else:
            self._simulated(options)
        self.stdout.write(f"seconds={time.perf_counter() - started:.1f}")

    def _csv(self, options):
        if not options["split"]:
            raise CommandError("--split YYYY-MM-DD is needed with --csv")
        try:
            split = date.fromisoformat(options["split"])
            transactions = read_transactions(options["csv"])
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        last = max(d for days in transactions.values() for d in days)
        horizon = options["horizon_days"] or (last - split).days + 1
        if horizon <= 0:
            raise CommandError("the split must be before the file's last date")
        result = evaluate_no_return(transactions, split=split, horizon_days=horizon)
        model = result.get("model")
        if model:
            self.stdout.write(
                f"MBG/NBD fitted: r={model.r:.3f} alpha={model.alpha:.3f} "
                f"a={model.a:.3f} b={model.b:.3f} on {model.n} customers (weeks)"
            )
        self.stdout.write(
            f"RESULT auc={result['auc']:.4f} bgnbd_auc={result['auc_bgnbd']:.4f} "
            f"recency_auc={result['auc_recency']:.4f} customers={result['customers']} "
            f"no_return={result['no_return']} horizon_days={horizon}"
        )

    def _simulated(self, options):
        end = date(2026, 9, 1)
        histories = simulate(contacts=options["contacts"], end=end, seed=options["seed"])
        alerts = evaluate_alerts(histories, end=end, thresholds=Thresholds())
        transactions = {str(i): h.days + h.future for i, h in enumerate(histories) if h.days}
        ranking = evaluate_no_return(transactions, split=end, horizon_days=91)
        self.stdout.write(
            f"contacts={len(histories)} judged={alerts['judged']} "
            f"dropped_off={alerts['positives']} alerts={alerts['alerts']} "
            f"(history up to {end}, next quarter to {end + timedelta(days=91)})"
        )
        self.stdout.write(
            f"RESULT precision={alerts['precision']:.3f} recall={alerts['recall']:.3f} "
            f"auc={alerts['auc']:.3f} noreturn_auc={ranking['auc']:.4f} "
            f"bgnbd_auc={ranking['auc_bgnbd']:.4f} recency_auc={ranking['auc_recency']:.4f}"
        )
        self.stdout.write(
            "baselines: "
            f"ratio(30% fewer, no test) precision={alerts['ratio_precision']:.3f} "
            f"recall={alerts['ratio_recall']:.3f}; "
            f"lapsed(no visit for 12 months) precision={alerts['lapsed_precision']:.3f} "
            f"recall={alerts['lapsed_recall']:.3f}"
        )
