"""Recount every officer's stored caseload (cases.OfficerCaseload) from the cases and report drift; --fix repairs it.

    manage.py workload_check          # exits 1 if any row counted today differs from the cases
    manage.py workload_check --fix    # recounts and stores every drifted, stale or missing row
"""

from django.core.management.base import BaseCommand

from cases.services import officer_caseloads_check


class Command(BaseCommand):
    help = "Compare the maintained per-officer caseload counts with the cases; --fix recounts them."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Recount and store every drifted, stale or missing row.")

    def handle(self, *args, fix: bool = False, **options):
        result = officer_caseloads_check(fix=fix)
        drifted = result["drifted"]
        self.stdout.write(f"{result['officers']} officers counted; {len(drifted)} drifted, {result['stale']} stale "
                          f"(counted before today), {result['missing']} missing" + (" - all recounted." if fix else "."))
        if drifted:
            self.stdout.write(f"Drifted officers (user ids): {', '.join(map(str, drifted[:100]))}")
            if not fix:
                raise SystemExit(1)
