"""Server time of the public pages on a generated archive of 100,000 publications.

    uv run python benchmarks/page_benchmark.py [--database sqlite|postgres://…] [--size 100000]
        [--repeat 30] [--reuse]

Generates, with bulk writes and nothing else, 500 journals with their names and rankings, 20,000
people (a third with birth and death dates, a quarter with a name in Chinese characters), 2,000
events (EDTF dates, some uncertain or spans; places; Chinese titles; participants; parts), and
100,000 publications (1-8 authors each, drawn unevenly from the people so that some are
prolific; abstracts; half with a Chinese translated title, some with translated abstracts; the
people they are about and the events they discuss; keywords; citation counts), search text
included. Then it calls each page through Django's WSGI handler (the whole middleware stack, no
test client instrumentation), `--repeat` times after one warm-up call, and prints p50 and p95 and
the number of SQL queries. The full CSV download of every publication runs last, in a child
process of its own so that its peak memory is its own.

It runs as production does (debug off, HTTPS behind a proxy, static files collected into
var/benchmarks/static). SQLite goes to var/benchmarks/pages.sqlite3; a PostgreSQL URL names a database that is dropped
and created afresh (use one of your own). `--reuse` measures an archive generated before.
"""

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = ROOT / "var" / "benchmarks" / "pages.sqlite3"

JOURNALS, PEOPLE, EVENTS = 500, 20_000, 2_000
BATCH = 2_000

WORDS = (
    "soviet chinese workers labour migration siberia far east treaty alliance khrushchev mao "
    "border railway harbin manchuria cooperation archive memory industry famine diplomacy "
    "propaganda students engineers experts friendship split korea mongolia comintern nuclear "
    "detente berlin cuba crisis vietnam refugees embassy intelligence radio cinema science"
).split()
CHINESE = "苏联 中国 工人 西伯利亚 远东 同盟 边境 铁路 哈尔滨 合作 档案 记忆 工业 外交 宣传 留学生 专家 友谊 分裂 朝鲜 蒙古".split()
SYLLABLES = (
    "an bo chen dong fei gang hai jun kai lan ming ning ping qiang rui shan tao wei xin yu zhi"
).split()
FAMILY = (
    "Gu Li Wang Zhang Chen Liu Zhao Sun Zhou Wu Xu Hu Guo He Gao Lin Luo Ma Liang Song Ivanov "
    "Petrova Smirnov Kuznetsova Orlov Volkova Popov Sokolova Lebedev Kozlova Novikov Morozova"
).split()
HAN_FAMILY = "顾李王张陈刘赵孙周吴徐胡郭何高林罗马梁宋"
PLACES = [
    f"{city}"
    for city in (
        "Beijing Moscow Harbin Shanghai Vladivostok Irkutsk Khabarovsk Ulaanbaatar Pyongyang Hanoi "
        "Berlin Warsaw Prague Budapest Geneva Bandung Havana Washington London Paris Belgrade "
        "Bucharest Sofia Tirana Vienna Helsinki Delhi Jakarta Tokyo Seoul Taipei Lhasa Urumqi "
        "Novosibirsk Omsk Tomsk Chita Dalian Shenyang Changchun Wuhan Nanjing Guangzhou Chongqing"
    ).split()
]
TYPES = ["journal-article"] * 8 + ["book", "book-chapter", "review", "conference-paper"]


def _issn(number: int) -> str:
    digits = f"{number:07d}"
    total = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return f"{digits[:4]}-{digits[4:]}{'X' if check == 10 else check}"


def _vocabulary(rng, size: int = 4_000) -> tuple[list[str], list[float]]:
    """Made-up words with Zipf frequencies (cumulative weights), so that a word of the long
    tail finds a few records and a common one many, as in real prose."""
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    cumulative, total = [], 0.0
    for rank in range(1, size + 1):
        total += 1 / rank
        cumulative.append(total)
    return list(words), cumulative


def _words(rng, low, high, *, themed: float = 1.0, vocabulary=None) -> str:
    """Words of prose: a share `themed` of them from the archive's themes, the rest from the
    vocabulary."""
    count = rng.randint(low, high)
    if vocabulary is None or themed >= 1:
        return " ".join(rng.choice(WORDS) for _ in range(count))
    common = rng.choices(vocabulary[0], cum_weights=vocabulary[1], k=count)
    return " ".join(rng.choice(WORDS) if rng.random() < themed else word for word in common)


def _pick(rng, records: list, offset: int):
    """A record, the first ones far more often (weight 1 / (rank + offset)): a few prolific
    authors, big journals and much-discussed events, and a long tail."""
    weights = _WEIGHTS.get((len(records), offset))
    if weights is None:
        weights, total = [], 0.0
        for rank in range(len(records)):
            total += 1 / (rank + offset)
            weights.append(total)
        _WEIGHTS[len(records), offset] = weights
    return rng.choices(records, cum_weights=weights)[0]


_WEIGHTS: dict = {}


# --- the archive ----------------------------------------------------------------------------


def generate(size: int, seed: int = 1954) -> None:
    from django.db import connection, transaction

    from archive import names
    from archive.models import (
        Authorship,
        Event,
        EventParticipation,
        EventTitle,
        Journal,
        JournalMetric,
        JournalName,
        Keyword,
        Person,
        PersonName,
        Publication,
        PublicationAbstract,
        PublicationEvent,
        PublicationSubject,
        PublicationTitle,
        Status,
    )
    from archive.search import normalise

    def text(*parts) -> str:
        return "\n".join(dict.fromkeys(p for p in map(normalise, parts) if p))

    rng = random.Random(seed)
    vocabulary = _vocabulary(rng)
    published = Status.PUBLISHED
    started = time.perf_counter()
    with transaction.atomic():
        journals = []
        for n in range(JOURNALS):
            name = f"Journal of {_words(rng, 1, 2).title()} Studies {n}"
            journal = Journal(
                name=name,
                slug=f"journal-{n}",
                status=published,
                issn_print=_issn(1_000_000 + 2 * n),
                issn_electronic=_issn(1_000_001 + 2 * n),
                publisher=rng.choice(["Taylor & Francis", "Brill", "MIT Press", "人民出版社"]),
            )
            journal.derive_fields()
            journal.search_text = text(name, f"J. {name[11:]}", journal.issn_print)
            journals.append(journal)
        Journal.objects.bulk_create(journals)
        JournalName.objects.bulk_create(
            JournalName(journal=j, name=f"J. {j.name[11:]}", kind="abbreviation") for j in journals
        )
        JournalMetric.objects.bulk_create(
            JournalMetric(
                journal=journal,
                system=system,
                year=year,
                recorded_on=f"{year + 1}-06-30",
                impact_factor=f"{rng.uniform(0.1, 5):.3f}" if system == "jcr" else None,
                quartile=f"Q{rng.randint(1, 4)}" if system == "jcr" else "",
                zone=rng.randint(1, 4) if system == "cas" else None,
                category=rng.choice(["HISTORY", "AREA STUDIES", "POLITICAL SCIENCE", "历史学"]),
            )
            for journal in journals
            for year in range(2019, 2024)
            for system in ("jcr", "cas")
        )

        people, variants = [], []
        for n in range(PEOPLE):
            family = rng.choice(FAMILY)
            given = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 2))).capitalize()
            display = f"{given} {family}"
            person = Person(
                display_name=display,
                family_name=family,
                given_names=given,
                slug=f"{given}-{family}-{n}".lower(),
                status=published,
            )
            if rng.random() < 0.33:
                born = rng.randint(1880, 1950)
                person.birth_date = f"{born}" + ("~" if rng.random() < 0.2 else "")
                person.death_date = f"{born + rng.randint(40, 90)}"
            person.derive_fields()
            han = HAN_FAMILY[FAMILY.index(family) % len(HAN_FAMILY)] + rng.choice(CHINESE)[:1]
            person.has_han = rng.random() < 0.25
            person.search_text = text(display, han if person.has_han else "")
            people.append((person, han))
        Person.objects.bulk_create([p for p, _ in people], batch_size=BATCH)
        for person, han in people:
            if person.has_han:
                variants.append(PersonName(person=person, name=han, language="zh-Hans"))
        PersonName.objects.bulk_create(variants, batch_size=BATCH)
        han_names = {v.person_id: v.name for v in variants}
        people = [p for p, _ in people]

        events = []
        for n in range(EVENTS):
            year = rng.randint(1945, 1991)
            shape = rng.random()
            if shape < 0.4:
                date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            elif shape < 0.7:
                date = f"{year}-{rng.randint(1, 6):02d}/{year}-{rng.randint(7, 12):02d}"
            elif shape < 0.85:
                date = f"{year}~"
            else:
                date = f"{year}/{year + rng.randint(1, 5)}"
            title = f"{_words(rng, 2, 5).capitalize()} {n}"
            event = Event(
                title=title,
                slug=f"event-{n}",
                status=published,
                date=date,
                place=rng.choice(PLACES) if rng.random() < 0.85 else "",
                description=_words(rng, 20, 60, themed=0.2, vocabulary=vocabulary),
            )
            event.derive_fields()
            event.chinese = "".join(rng.sample(CHINESE, 3)) if n % 2 else ""
            event.search_text = text(title, event.chinese, event.place, event.description)
            events.append(event)
        Event.objects.bulk_create(events, batch_size=BATCH)
        EventTitle.objects.bulk_create(
            EventTitle(event=e, language="zh", title=e.chinese) for e in events if e.chinese
        )
        for event in events[100:400]:
            event.parent = events[rng.randrange(100)]
        Event.objects.bulk_update(events[100:400], ["parent"], batch_size=BATCH)
        EventParticipation.objects.bulk_create(
            (
                EventParticipation(event=event, person=person, role="delegate", position=i)
                for event in events
                for i, person in enumerate(
                    dict.fromkeys(_pick(rng, people, 50) for _ in range(rng.randint(0, 10)))
                )
            ),
            batch_size=BATCH,
        )

        keywords = Keyword.objects.bulk_create(
            Keyword(name=f"{w} {v}") for w in WORDS for v in ("history", "studies", "relations")
        )
        for start in range(0, size, BATCH):
            batch, credits, titles, abstracts, subjects, discussed, tagged = (
                [],
                [],
                [],
                [],
                [],
                [],
                [],
            )
            for n in range(start, min(start + BATCH, size)):
                year = rng.randint(1950, 2024)
                precision = rng.random()
                date = (
                    f"{year}"
                    if precision < 0.2
                    else f"{year}-{rng.randint(1, 12):02d}"
                    if precision < 0.4
                    else f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                )
                chinese_original = rng.random() < 0.1
                title = (
                    "".join(rng.sample(CHINESE, 5))
                    if chinese_original
                    else _words(rng, 5, 12, themed=0.3, vocabulary=vocabulary).capitalize()
                )
                journal = _pick(rng, journals, 5) if rng.random() < 0.9 else None
                abstract = _words(rng, 40, 120, themed=0.05, vocabulary=vocabulary).capitalize()
                abstract += "."
                publication = Publication(
                    title=title,
                    language="zh" if chinese_original else "en",
                    abstract=abstract,
                    slug=f"publication-{n}",
                    status=published,
                    doi=f"10.9999/bench.{n}",
                    journal=journal,
                    volume=str(rng.randint(1, 60)),
                    issue=str(rng.randint(1, 6)),
                    first_page=str(first := rng.randint(1, 400)),
                    last_page=str(first + rng.randint(5, 30)),
                    publication_date=date,
                    publication_type=rng.choice(TYPES),
                    is_open_access=rng.random() < 0.3,
                    citation_count=int(rng.paretovariate(1.2)) - 1,
                    source_platform="Benchmark",
                    source_id=str(n),
                )
                publication.derive_fields()
                translated = "".join(rng.sample(CHINESE, 4)) if rng.random() < 0.5 else ""
                translated_abstract = "".join(rng.sample(CHINESE, 8)) if rng.random() < 0.2 else ""
                authors = list(
                    dict.fromkeys(_pick(rng, people, 50) for _ in range(rng.randint(1, 8)))
                )
                parts = [title, translated, abstract, translated_abstract]
                for position, person in enumerate(authors, start=1):
                    credits.append(
                        Authorship(
                            publication=publication,
                            person=person,
                            position=position,
                            name_as_printed=person.display_name,
                        )
                    )
                    parts += [person.display_name, han_names.get(person.pk, "")]
                parts.append(journal.name if journal else "")
                publication.search_text = text(*parts)
                if translated:
                    titles.append(
                        PublicationTitle(
                            publication=publication,
                            language="zh",
                            title=translated,
                            is_machine_translation=True,
                        )
                    )
                if translated_abstract:
                    abstracts.append(
                        PublicationAbstract(
                            publication=publication, language="zh", text=translated_abstract
                        )
                    )
                if rng.random() < 0.3:
                    subjects += [
                        PublicationSubject(publication=publication, person=person)
                        for person in {_pick(rng, people, 50) for _ in range(rng.randint(1, 2))}
                    ]
                if rng.random() < 0.2:
                    discussed += [
                        PublicationEvent(publication=publication, event=event, pages="12-14")
                        for event in {_pick(rng, events, 20) for _ in range(rng.randint(1, 2))}
                    ]
                tagged += [
                    (publication, keyword) for keyword in rng.sample(keywords, rng.randint(0, 3))
                ]
                batch.append(publication)
            Publication.objects.bulk_create(batch)
            Authorship.objects.bulk_create(credits, batch_size=BATCH)
            PublicationTitle.objects.bulk_create(titles, batch_size=BATCH)
            PublicationAbstract.objects.bulk_create(abstracts, batch_size=BATCH)
            PublicationSubject.objects.bulk_create(subjects, batch_size=BATCH)
            PublicationEvent.objects.bulk_create(discussed, batch_size=BATCH)
            Publication.keywords.through.objects.bulk_create(
                (Publication.keywords.through(publication=p, keyword=k) for p, k in tagged),
                batch_size=BATCH,
            )
            print(f"  {start + len(batch):,} publications", end="\r", flush=True)
    # Fresh statistics (and, on PostgreSQL, the visibility map that lets a count read an index
    # alone), as a live database has them from autovacuum.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    del names
    print(f"generated in {time.perf_counter() - started:.0f} s" + " " * 20)


# --- calling pages --------------------------------------------------------------------------


def call(handler, url: str) -> tuple[int, int]:
    """GET `url` through the WSGI handler; (status, bytes)."""
    path, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status = []

    def start_response(line, headers, exc_info=None):
        status.append(int(line.split()[0]))

    body = handler(environ, start_response)
    try:
        size = sum(len(chunk) for chunk in body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return status[0], size


def cases() -> list[tuple[str, str]]:
    from django.db.models import Count

    from archive.models import Event, Journal, Person, Publication

    def deep(model, per_page=25, fraction=0.8) -> int:
        return max(1, int(model.objects.published().count() / per_page * fraction))

    author = Person.objects.annotate(n=Count("authorships")).order_by("-n").first()
    journal = Journal.objects.annotate(n=Count("publications")).order_by("-n").first()
    event = Event.objects.annotate(n=Count("participations")).order_by("-n").first()
    publication = (
        Publication.objects.annotate(n=Count("authorships")).filter(n__gte=8).order_by("pk").first()
    )
    place = Event.objects.exclude(place="").values_list("place", flat=True).first()
    return [
        ("home page", "/"),
        ("timeline, page 1", "/timeline/"),
        ("publications, page 1", "/publications/"),
        ("publications, deep page", f"/publications/?page={deep(Publication)}"),
        (
            "publications, journal and years",
            f"/publications/?journal={journal.slug}&year_min=1990&year_max=2010",
        ),
        (
            "publications, type and open access",
            "/publications/?publication_type=book&open_access=true",
        ),
        ("publications, author", f"/publications/?author={author.slug}"),
        ("publications, by title, deep", f"/publications/?sort=title&page={deep(Publication)}"),
        (
            "publications, most cited, deep",
            f"/publications/?sort=-citations&page={deep(Publication)}",
        ),
        ("publications, q=khrushchev", "/publications/?q=khrushchev"),
        ("publications, q=khrushchev, page 40", "/publications/?q=khrushchev&page=40"),
        (
            "publications, q=soviet famine + years",
            "/publications/?q=soviet+famine&year_min=1970&year_max=1990",
        ),
        (
            "publications, q=a rare word",
            f"/publications/?q={_vocabulary(random.Random(1954))[0][999]}",
        ),
        ("publications, q=苏联", "/publications/?q=%E8%8B%8F%E8%81%94"),
        ("publications, q=苏联专家", "/publications/?q=%E8%8B%8F%E8%81%94%E4%B8%93%E5%AE%B6"),
        ("publications, q=no such word", "/publications/?q=zzzyx"),
        ("publications, zh-hans, page 1", "/zh-hans/publications/"),
        ("people, page 1", "/people/"),
        ("people, deep page", f"/people/?page={deep(Person)}"),
        ("people, authors, born 1900-1930", "/people/?role=author&born_min=1900&born_max=1930"),
        ("people, q=zhang", "/people/?q=zhang"),
        ("people, q=张", "/people/?q=%E5%BC%A0"),
        ("events, page 1", "/events/"),
        ("events, deep page", f"/events/?page={deep(Event)}"),
        ("events, 1954-1960 in a place", f"/events/?year_min=1954&year_max=1960&place={place}"),
        ("events, q=crisis", "/events/?q=crisis"),
        ("events, q=苏联", "/events/?q=%E8%8B%8F%E8%81%94"),
        ("journals, page 1", "/journals/"),
        ("journals, deep page", f"/journals/?page={deep(Journal)}"),
        ("journals, Q1", "/journals/?quartile=Q1"),
        ("journals, q=cuba", "/journals/?q=cuba"),
        ("publication page (8 authors)", publication.get_absolute_url()),
        ("person page (most works)", author.get_absolute_url()),
        ("event page (most participants)", event.get_absolute_url()),
        ("journal page (most publications)", journal.get_absolute_url()),
    ]


def _percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[max(0, round(0.95 * len(timings)) - 1)]


class _QueryCounter:
    """Counts the SQL statements run (an execute wrapper; the debug query log is off here)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(repeat: int, only: list[str] | None = None) -> list[dict]:
    """Each page `repeat` times with nothing kept between calls (cold: the publication list
    counts its facets every time), then `repeat` times as a reader paging through would meet
    it (warm: the facets of this filter state counted a moment ago). Wall-clock time, and the
    CPU time of this process, which on SQLite (a library in the process) is the server's whole
    work, whatever else the machine is doing."""
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    from archive import search_index

    def forget() -> None:
        # What is kept under the content version, as after any write to the archive: counts
        # and totals in the cache, a search's matches (SQLite) or postings (PostgreSQL) in
        # the process.
        cache.clear()
        search_index._matches.cache_clear()
        search_index._looked_up.cache_clear()
        search_index._held_by_all.cache_clear()

    handler = WSGIHandler()
    results = []
    for label, url in cases():
        if only and not any(part in label for part in only):
            continue
        status, size = call(handler, url)  # warm-up: templates and the database's own caches
        forget()
        counter = _QueryCounter()
        with connection.execute_wrapper(counter):
            call(handler, url)
        timings = {"cold": [], "warm": [], "cold cpu": [], "warm cpu": []}
        for state in ("cold", "warm"):
            for _ in range(repeat):
                if state == "cold":
                    forget()
                started, cpu = time.perf_counter(), time.process_time()
                call(handler, url)
                timings[state].append((time.perf_counter() - started) * 1000)
                timings[f"{state} cpu"].append((time.process_time() - cpu) * 1000)
        result = {"page": label, "status": status, "kb": size / 1024, "queries": counter.count}
        result.update({name: _percentiles(values) for name, values in timings.items()})
        results.append(result)
        print(
            f"| {label} | {result['cold'][0]:.0f} | {result['cold'][1]:.0f} "
            f"| {result['cold cpu'][0]:.0f} | {result['warm'][0]:.0f} | {result['warm'][1]:.0f} "
            f"| {result['warm cpu'][0]:.0f} | {result['queries']} | {result['kb']:.0f} |"
            + ("" if status == 200 else f" status {status}"),
            flush=True,
        )
    return results


def _peak_mb() -> float:
    """This process's peak resident memory. VmHWM rather than ru_maxrss, which on Linux keeps
    the high-water mark of the parent forked from."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_csv(url: str) -> None:
    """A full CSV download, streamed; run in a process of its own."""
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    started, cpu = time.perf_counter(), time.process_time()
    status, size = call(handler, url)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"| {url} | {seconds:.1f} s | {cpu:.1f} s | {_peak_mb():.0f} MB | {size / 2**20:.0f} MB "
        f"| {status} |",
        flush=True,
    )


# --- set-up ---------------------------------------------------------------------------------


def configure(database: str, sqlite_path: Path | None = None) -> None:
    global SQLITE_PATH
    if sqlite_path is not None:
        SQLITE_PATH = sqlite_path.resolve()
    if database == "sqlite":
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    else:
        os.environ["DATABASE_URL"] = database
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-key")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "localhost"
    # A cache of this run's own, since a cold call empties it.
    os.environ["ARCHIVE_CACHE_DIR"] = tempfile.mkdtemp(prefix="page-benchmark-cache-")
    # As in production: HTTPS behind a proxy, static files collected under hashed names.
    os.environ["DJANGO_STATIC_ROOT"] = str(SQLITE_PATH.parent / "static")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))


def fresh_database(database: str) -> None:
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(database)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", help="sqlite, or a postgres:// URL")
    parser.add_argument("--size", type=int, default=100_000, help="publications to generate")
    parser.add_argument("--repeat", type=int, default=30, help="timed calls per page")
    parser.add_argument("--reuse", action="store_true", help="measure the archive made before")
    parser.add_argument(
        "--sqlite-path", type=Path, help=f"the SQLite archive (default {SQLITE_PATH})"
    )
    parser.add_argument(
        "--only", action="append", help="measure only the pages whose label contains this"
    )
    parser.add_argument("--no-downloads", action="store_true", help="leave the CSVs out")
    parser.add_argument("--csv-only", metavar="URL", help=argparse.SUPPRESS)
    options = parser.parse_args()
    configure(options.database, options.sqlite_path)
    if not options.reuse and not options.csv_only:
        fresh_database(options.database)

    import django

    django.setup()
    if options.csv_only:
        measure_csv(options.csv_only)
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not options.reuse:
        generate(options.size)
    from django.db import connection

    print(f"\n{connection.vendor}, {options.size:,} publications, {options.repeat} calls a page\n")
    print(
        "| page | cold p50 | cold p95 | cold CPU p50 | warm p50 | warm p95 | warm CPU p50 "
        "| queries | KB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    measure(options.repeat, options.only)
    if options.no_downloads:
        return
    print(
        "\n| download | time | CPU time | peak memory (process) | size | status |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    for url in ("/publications.csv", "/people.csv", "/events.csv", "/journals.csv"):
        subprocess.run(
            [sys.executable, __file__, "--database", options.database, "--csv-only", url]
            + (["--sqlite-path", str(SQLITE_PATH)] if options.database == "sqlite" else []),
            check=True,
        )


if __name__ == "__main__":
    main()
