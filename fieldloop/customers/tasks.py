"""Background work of the customers app (Django's tasks framework; the database backend by default)."""

from django.tasks import task

from . import expiry, pools


@task
def recycle_expired_customers() -> int:
    """Nightly: customers whose protection expired go back to their pool (their previous owners are told),
    then owners whose customers' protection ends within the pool's warning days get the day's digest.
    Returns how many went back."""
    returned = pools.all_orgs_recycle_expired_customers()
    expiry.all_orgs_warn_protection_ending()
    return returned


@task
def enrich_customer_task(customer_id: int, provider: str) -> str:
    """Run one enrichment provider for one customer and store its result; returns the result's status."""
    from .enrichment import all_orgs_run_provider

    result = all_orgs_run_provider(customer_id=customer_id, provider=provider)
    return result.status if result is not None else ""


@task
def run_customer_import_job(job_id: int) -> str:
    """Commit an import job's file (all or nothing) and record the outcome; returns the job's status."""
    from .imports import all_orgs_run_import_job

    return all_orgs_run_import_job(job_id=job_id)
