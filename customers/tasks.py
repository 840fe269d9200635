"""Background work of the customers app (Django's tasks framework; the database backend by default)."""

from django.tasks import task

from . import pools


@task
def recycle_expired_customers() -> int:
    """Nightly: customers whose protection expired go back to their pool. Returns how many went back."""
    return pools.all_orgs_recycle_expired_customers()
