from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fieldloop.core import progress
from fieldloop.demo.company import build_demo_company
from fieldloop.demo.context import SIZES
from fieldloop.org.models import Organization


class Command(BaseCommand):
    help = "Build a realistic demo company (deterministic for a seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=list(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the database has an organization.")

    def handle(self, *args: Any, size: str, seed: int, if_empty: bool, **options: Any) -> None:
        if if_empty and Organization.objects.exists():
            self.stdout.write("The database already has data; keeping it.")
            return
        self.stdout.write(f"Building the demo company ({size}, seed {seed})…")
        self.stdout.flush()
        with progress.reporting(self.stdout):
            ctx = build_demo_company(size=size, seed=seed)
        summary = ", ".join(f"{n:,} {what}" for what, n in ctx.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Built {ctx.org} ({size}, seed {seed}): {summary}."))
