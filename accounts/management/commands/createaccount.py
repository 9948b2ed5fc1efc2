from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account, Plan
from accounts.onboarding import open_account


class Command(BaseCommand):
    help = "Create an account with its plan and an API key; the key is printed alone on the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--email", default="")
        parser.add_argument("--monthly", type=int, default=None, help="monthly credits (default: the setting)")
        parser.add_argument("--onetime", type=int, default=0, help="one-time credits")

    def handle(self, *args, name: str, email: str, monthly: int | None, onetime: int, **options) -> None:
        if Account.objects.filter(name=name).exists():
            raise CommandError(f"an account named {name!r} already exists")
        if (monthly is not None and monthly < 0) or onetime < 0:
            raise CommandError("credits cannot be negative")
        account, plain_key = open_account(name, email=email, monthly_quota=monthly, onetime_credits=onetime)
        plan = Plan.objects.get(account=account)  # as stored: the opening top-up updated it in the database
        self.stdout.write(
            f"Created account {account.name!r}: {plan.monthly_quota} monthly credits, "
            f"{plan.onetime_credits} one-time credits, renews {plan.renews_at:%Y-%m-%d}.\n"
            "Its API key follows; it is shown only now."
        )
        self.stdout.write(plain_key)
