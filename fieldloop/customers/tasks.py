"""Background work of the customers app (Django's tasks framework; the database backend by default).

Each task is a thin shell over a service function. Services never import this module: one that queues a
task takes `enqueue` (a callable), and the views, API and commands pass the `enqueue_*` function here.
"""

from django.tasks import task

from . import enrichment, expiry, import_jobs, pools


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
    result = enrichment.all_orgs_run_provider(customer_id=customer_id, provider=provider)
    return result.status if result is not None else ""


def enqueue_enrichment(customer_id: int, provider: str) -> None:
    enrich_customer_task.enqueue(customer_id=customer_id, provider=provider)


@task
def run_customer_import_job(job_id: int) -> str:
    """Commit an import job's file (all or nothing) and record the outcome; returns the job's status."""
    return import_jobs.all_orgs_run_import_job(job_id=job_id)


def enqueue_import_job(job_id: int) -> None:
    run_customer_import_job.enqueue(job_id=job_id)
