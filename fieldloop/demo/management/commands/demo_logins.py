import unicodedata
from typing import Any

from django.core.management.base import BaseCommand

from fieldloop.demo.company import demo_logins
from fieldloop.demo.context import DEMO_PASSWORD


def pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a Chinese character takes two columns."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - columns, 1)


class Command(BaseCommand):
    help = "Print the demo company's logins, one per role."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_logins()
        if not logins:
            self.stdout.write("No demo company yet: run `manage.py demo_data`.")
            return
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        rows = [("role", "username", "name", "department")]
        rows += [(login.role, login.username, login.name, login.department) for login in logins]
        for role, username, name, department in rows:
            self.stdout.write("  " + pad(role, 18) + pad(username, 12) + pad(name, 10) + department)
        self.stdout.write("")
