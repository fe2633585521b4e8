"""`northstar linkage_report`: precision, recall and review share of the organisation matcher on
the labelled pairs, the thresholds the documented rule chooses, and a held-out check."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from northstar.core.errors import UserInputError
from northstar.organisations import calculations, services
from northstar.organisations.linkage import THRESHOLDS


class Command(BaseCommand):
    help = "Measure organisation matching on the labelled pairs (data/labelled_pairs.csv)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=services.LABELLED_PAIRS)
        parser.add_argument("--show", action="store_true", help="List the pairs it gets wrong")

    def handle(self, *args, file: Path, show: bool, **options):
        try:
            pairs = services.read_labelled_pairs(file)
        except UserInputError as exc:
            raise CommandError(str(exc)) from exc
        scored = calculations.score_pairs(pairs)
        chosen = calculations.choose_thresholds(scored)
        self.stdout.write(f"{len(pairs)} labelled pairs from {file}")
        self.stdout.write(f"Thresholds in use: T_high={THRESHOLDS.high:g} T_low={THRESHOLDS.low:g}")
        self.stdout.write(
            f"Thresholds the rule chooses: T_high={chosen.high:g} T_low={chosen.low:g}"
        )
        self._line("all pairs", calculations.evaluate_scored(scored, THRESHOLDS))
        names_only = [
            s for s in scored if not (s.pair.company_number_a and s.pair.company_number_b)
        ]
        self._line("without two numbers", calculations.evaluate_scored(names_only, THRESHOLDS))
        first, second = calculations.split_halves(pairs)
        for label, tune, test in (("odd→even", first, second), ("even→odd", second, first)):
            thresholds = calculations.choose_thresholds(calculations.score_pairs(tune))
            result = calculations.evaluate(test, thresholds)
            self._line(
                f"held out {label} (T_high={thresholds.high:g}, T_low={thresholds.low:g})", result
            )
        if show:
            by_line = {s.pair.line: s for s in scored}
            result = calculations.evaluate_scored(scored, THRESHOLDS)
            for title, lines in (
                ("Wrongly merged", result.false_merge_lines),
                ("Not merged automatically", result.missed_lines),
            ):
                self.stdout.write(f"\n{title}:")
                for line in lines:
                    s = by_line[line]
                    self.stdout.write(
                        f"  line {line}: {s.comparison.score:5.1f} "
                        f"{s.decision(THRESHOLDS).value:9} {s.pair.name_a} | {s.pair.name_b}"
                    )

    def _line(self, label: str, e: calculations.Evaluation) -> None:
        self.stdout.write(
            f"{label}: {e.pairs} pairs ({e.same_pairs} same) — precision {e.precision:.3f}, "
            f"recall {e.recall:.3f}, review share {e.review_share:.3f} ({e.reviewed} pairs, "
            f"{e.reviewed_same} of them the same), merged or reviewed {e.recall_with_review:.3f}"
        )
