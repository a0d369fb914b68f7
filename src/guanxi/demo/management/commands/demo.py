"""``python -m django demo`` (or ``guanxi demo``): load the demo or the benchmark data set.

``--size small`` (the default) builds the demo organisation and about 300 customers through the
services, in about a minute on SQLite; running it again only prints the logins. ``--size large``
bulk-loads 1,000,000 accounts, 2,000,000 contacts and 10,000,000 interactions (``--accounts``,
``--contacts-per-account`` and ``--interactions-per-account`` scale it; ``--reset`` replaces the
customer data already there). The same ``--seed`` gives the same data.

Every demo login (admin, manager, rep, marketer, agent, ccagent, supervisor, analyst, rep2…rep9
and, after a large load, bench_manager) has the password ``guanxi-demo-2026``. The large load also
prints the id of the account with exactly 1,000 interactions; the team of ``bench_manager`` owns
about 1.5 % of the accounts.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.demo.large import CustomerDataExists, bench_account_id, load_large
from guanxi.demo.makers import DEFAULT_SEED
from guanxi.demo.org import BENCH_MANAGER, DEMO_PASSWORD, logins_table
from guanxi.demo.rows import BENCH_INTERACTIONS, Plan
from guanxi.demo.small import is_loaded, load_small
from guanxi.framework.context import Source, change_source, current_source
from guanxi.framework.registry import registry

SIZES = {"small": 300, "large": 1_000_000}


class Command(BaseCommand):
    help = gettext_lazy(
        "Load demo data. 'small' (the default) creates the demo organisation, one login per role and about "
        "300 customers through the services, so every record is audited; running it again changes nothing. "
        "'large' adds a sales force of about 200 people and bulk-loads 1,000,000 accounts, 2,000,000 contacts "
        "and 10,000,000 interactions for benchmarks; those bulk records have no audit rows or timeline events."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # argparse wraps the description as a plain string: translate it now, in the active language.
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="small", help=gettext_lazy("Which data set to load."))
        parser.add_argument("--accounts", type=int, help=gettext_lazy("Number of accounts instead of the size's default."))
        parser.add_argument(
            "--contacts-per-account", type=float, default=2.0,
            help=gettext_lazy("Large: average contacts per account (default 2)."),
        )
        parser.add_argument(
            "--interactions-per-account", type=float, default=10.0,
            help=gettext_lazy("Large: average interactions per account (default 10)."),
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=gettext_lazy("Random seed; the same seed gives the same data."),
        )
        parser.add_argument("--batch", type=int, default=10_000, help=gettext_lazy("Large: accounts per written batch."))
        parser.add_argument(
            "--reset", action="store_true",
            help=gettext_lazy("Large: delete all customer data (and its audit rows) before loading."),
        )

    def handle(self, *args, size, accounts, seed, reset, **options):
        count = SIZES[size] if accounts is None else accounts
        if count < 1:
            raise CommandError(_("--accounts must be at least 1."))
        if reset and size != "large":
            raise CommandError(_("--reset applies to the large data set only."))
        # The audit log shows the demo's records as made from the command line (``guanxi demo`` says so already).
        with change_source(Source.CLI, current_source().detail or f"demo --size {size}"):
            self.load(size, count, seed, reset, options)
        self.stdout.write("")
        self.stdout.write(_("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD})
        self.stdout.write(logins_table())
        for report in registry.demo_login_reports:
            text = report()
            if text:
                self.stdout.write("")
                self.stdout.write(text)

    def load(self, size: str, count: int, seed: int, reset: bool, options: dict) -> None:
        if size == "small":
            self.small(count, seed)
        else:
            plan = Plan(
                accounts=count, contacts_per_account=options["contacts_per_account"],
                interactions_per_account=options["interactions_per_account"], seed=seed, batch=options["batch"],
            )
            self.large(plan, reset)

    def small(self, count: int, seed: int) -> None:
        if is_loaded():
            self.stdout.write(_("demo data already loaded"))
            return
        started = time.monotonic()
        loaded = load_small(accounts=count, seed=seed)
        self.stdout.write(self.style.SUCCESS(
            _("Loaded %(accounts)d accounts, %(contacts)d contacts and %(interactions)d interactions in %(seconds).1f s.") % {
                "accounts": loaded.accounts, "contacts": loaded.contacts, "interactions": loaded.interactions,
                "seconds": time.monotonic() - started,
            }
        ))

    def large(self, plan: Plan, reset: bool) -> None:
        try:
            result = load_large(plan=plan, reset=reset, say=self.say)
        except CustomerDataExists:
            account_id = bench_account_id()
            if account_id is None:
                message = _("The database already holds customer data; run again with --reset to replace it.")
                raise CommandError(message) from None
            self.stdout.write(_("demo data already loaded (use --reset to load it again)"))
            self.bench_info(account_id)
            return
        counts = {model._meta.verbose_name_plural: n for model, n in result.counts.items()}
        self.stdout.write(self.style.SUCCESS(_("Loaded in %(seconds).0f s: %(counts)s.") % {
            "seconds": result.seconds, "counts": ", ".join(f"{n:,} {name}" for name, n in counts.items()),
        }))
        self.stdout.write(_("The team of %(manager)s owns %(owned)s of %(total)s accounts (%(share).2f %%).") % {
            "manager": BENCH_MANAGER, "owned": f"{result.bench_accounts:,}", "total": f"{result.total_accounts:,}",
            "share": 100 * result.bench_accounts / max(result.total_accounts, 1),
        })
        self.bench_info(result.bench_account_id)

    def say(self, message: str) -> None:
        """A progress line, shown at once even when the output goes to a file or a pipe."""
        self.stdout.write(message)
        self.stdout.flush()

    def bench_info(self, account_id: int) -> None:
        self.stdout.write(_("Benchmark login: %(user)s / %(password)s") % {"user": BENCH_MANAGER, "password": DEMO_PASSWORD})
        self.stdout.write(_("Account with exactly %(count)d interactions: id %(id)d") % {"count": BENCH_INTERACTIONS, "id": account_id})

