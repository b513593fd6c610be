"""Uploaded CSV files (contacts, the do-not-call list), imported by a worker.

The upload checks the file's shape at once (CSV text, the needed column, at
most `MAX_ROWS` rows: a 400 on `file` otherwise), stores it and hands it to
the `import_csv` task once committed; the request answers at once, whatever
the size. The worker imports it chunk by chunk, each chunk committed with the
count of rows handled, so the admin and the status URL show its progress and a
run cut short (a worker killed) goes on where it stopped.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from calls.exceptions import RuleViolation

from ..csv_files import CsvTable, read_table
from ..models import Campaign, CsvImport, ImportKind, ImportState
from ..tasks import import_csv
from .contacts import add_contact_rows, number_column
from .dnc import add_entry_rows, dnc_columns
from .lifecycle import ensure_not_final

logger = logging.getLogger(__name__)

CHUNK_ROWS = 1000
FINISHED = (ImportState.DONE, ImportState.FAILED)


def _queued(kind: str, text: str, table: CsvTable, **fields) -> CsvImport:
    job = CsvImport.objects.create(kind=kind, text=text, rows=len(table.rows), **fields)
    transaction.on_commit(lambda: import_csv.delay(job.pk))
    return job


def upload_contacts(
    campaign_id: int, text: str, *, file_name: str = "", created_by=None
) -> CsvImport:
    """Queue a contacts file for the campaign, or RuleViolation on `file`."""
    table = read_table(text, check_header=number_column)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        ensure_not_final(campaign, "it takes no more contacts.", field="file")
        return _queued(
            ImportKind.CONTACTS,
            text,
            table,
            campaign=campaign,
            file_name=file_name[:200],
            created_by=created_by,
        )


def upload_do_not_call(text: str, *, file_name: str = "", created_by=None) -> CsvImport:
    """Queue a do-not-call file, or RuleViolation on `file`."""
    table = read_table(text, check_header=dnc_columns)
    with transaction.atomic():
        return _queued(
            ImportKind.DO_NOT_CALL, text, table, file_name=file_name[:200], created_by=created_by
        )


def _import_chunk(job: CsvImport, table: CsvTable) -> None:
    chunk = table.rows[job.processed : job.processed + CHUNK_ROWS]
    if job.kind == ImportKind.CONTACTS:
        report = add_contact_rows(job.campaign_id, table.header, chunk)
        job.imported += report.imported
    else:
        report = add_entry_rows(table.header, chunk, created_by=job.created_by)
        job.imported += report.added
        job.already_listed += report.already_listed
    job.rejected = [*job.rejected, *report.rejected]
    job.processed += len(chunk)


def _next_chunk(import_id: int, table: CsvTable) -> bool:
    """Import the next chunk under the import's row lock; False once finished."""
    with transaction.atomic():
        job = CsvImport.objects.select_for_update().get(pk=import_id)
        if job.state in FINISHED:
            return False
        job.state = ImportState.RUNNING
        _import_chunk(job, table)
        if job.processed >= len(table.rows):
            job.state = ImportState.DONE
            job.finished_at = timezone.now()
            job.text = ""
        job.save()
    return job.state == ImportState.RUNNING


def _fail(import_id: int, error: str) -> None:
    CsvImport.objects.filter(pk=import_id).exclude(state__in=FINISHED).update(
        state=ImportState.FAILED, error=error, finished_at=timezone.now()
    )


def run_import(import_id: int) -> None:
    """Import the stored file; a refusal (the campaign ended meanwhile…) fails the
    import with its reason, the chunks before it stay imported."""
    job = CsvImport.objects.get(pk=import_id)
    if job.state in FINISHED:
        return
    table = read_table(job.text)
    try:
        while _next_chunk(import_id, table):
            pass
    except RuleViolation as refusal:
        _fail(import_id, refusal.message)
    except Exception:
        logger.exception("CSV import %s stopped", import_id)
        _fail(import_id, "The import stopped on an unexpected error; the rows before it stay.")
        raise
