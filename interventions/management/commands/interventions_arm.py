from django.core.management.base import BaseCommand

from interventions.deadlines import requirement_deadlines_arm


class Command(BaseCommand):
    help = "Arm the unpaid work pace checks and commencement chases of requirements that have none."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Every requirement, not only recent sentences.")

    def handle(self, *args, **options):
        result = requirement_deadlines_arm(since_days=None if options["all"] else 3)
        self.stdout.write(f"Armed {result['pace']} pace checks and {result['commencement']} commencement chases.")
