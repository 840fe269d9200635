from typing import Any

from django.core.management.base import BaseCommand

from core.demo import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Print the demo company's logins, one per role."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_logins()
        if not logins:
            self.stdout.write("No demo company yet: run `manage.py demo_data`.")
            return
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"  {'role':<16}{'username':<12}{'name':<8}department")
        for login in logins:
            self.stdout.write(f"  {login.role:<16}{login.username:<12}{login.name:<8}{login.department}")
        self.stdout.write("")
