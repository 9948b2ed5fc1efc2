from django.core.management.base import BaseCommand

from reducer.conf import markdown_table


class Command(BaseCommand):
    help = "Print the README configuration table of every REDUCER_* setting."

    def handle(self, *args, **options) -> None:
        self.stdout.write(markdown_table())
