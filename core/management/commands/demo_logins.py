import unicodedata
from typing import Any

from django.core.management.base import BaseCommand

from core.demo import DEMO_PASSWORD, demo_logins


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
        self.stdout.write(f"Demo logins at http://127.0.0.1:8000/login/ (password for all: {DEMO_PASSWORD})")
        self.stdout.write("  " + pad("role", 18) + pad("username", 12) + pad("name", 10) + "department")
        for login in logins:
            self.stdout.write("  " + pad(login.role, 18) + pad(login.username, 12) + pad(login.name, 10) + login.department)
        self.stdout.write("")
