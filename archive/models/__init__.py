from archive.models.audit import AuditEntry
from archive.models.base import FormerSlug, Language, Status
from archive.models.events import Event, EventParticipation, EventTitle
from archive.models.imports import ImportBatch, ImportChange
from archive.models.journals import Journal, JournalIdentifier, JournalMetric, JournalName
from archive.models.people import Person, PersonName
from archive.models.publications import (
    Authorship,
    Keyword,
    Publication,
    PublicationAbstract,
    PublicationEvent,
    PublicationSubject,
    PublicationTitle,
    PublicationType,
)

__all__ = [
    "AuditEntry",
    "Authorship",
    "Event",
    "EventParticipation",
    "EventTitle",
    "FormerSlug",
    "ImportBatch",
    "ImportChange",
    "Journal",
    "JournalIdentifier",
    "JournalMetric",
    "JournalName",
    "Keyword",
    "Language",
    "Person",
    "PersonName",
    "Publication",
    "PublicationAbstract",
    "PublicationEvent",
    "PublicationSubject",
    "PublicationTitle",
    "PublicationType",
    "Status",
]
