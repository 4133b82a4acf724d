"""The history of every change to a record: recording it (`recording`), reading it merged with
the imports' own record (`history`), and reverting a change or restoring a deleted record
(`revert`). Snapshots of records are in `snapshots`."""

from archive.audit.history import History, record_history
from archive.audit.recording import Recorder, status_change_record
from archive.audit.revert import audit_entry_revert, revert_plan, revert_preview, revertible

__all__ = [
    "History",
    "Recorder",
    "audit_entry_revert",
    "record_history",
    "revert_plan",
    "revert_preview",
    "revertible",
    "status_change_record",
]
