"""Import speed and memory, against a bare bulk_create baseline measured in the same run.

    uv run python benchmarks/import_benchmark.py [--sizes 10000 100000] [--admin-size 10000]
        [--repeat 3] [--database sqlite|URL]

Generates BookSci JSON Lines files shaped like the seed record (nested resultStr, Chinese
machine-translated outer title, 1-8 authors drawn from a pool of shared names, a few hundred
journals with their rankings), then runs each case in a fresh database in its own process and
prints records/s, the ratio to the baseline, the processor seconds and the peak resident memory
of that process. With --repeat, each case runs several times and the fastest run is kept (the
machine is shared, so a slow run mostly measures the others).
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "Soviet Chinese workers labour migration Siberia Far East treaty alliance Khrushchev Mao "
    "border railway Harbin Manchuria cooperation archive memory industry famine diplomacy "
    "propaganda students engineers experts friendship split Korea Mongolia Comintern"
).split()
SYLLABLES = "an bo chen dong fei gang hai jun kai lan ming ning ping qiang rui shan tao wei xin yu zhi".split()
FAMILY = (
    "Gu Li Wang Zhang Chen Liu Zhao Sun Zhou Wu Xu Hu Guo He Gao Lin Luo Ma Liang Song Ivanov "
    "Petrova Smirnov Kuznetsova Orlov Volkova Popov Sokolova Lebedev Kozlova Novikov Morozova"
).split()
PEOPLE = 20_000  # a pool of shared names, as in an archive of 20,000 people


def make_people(rng: random.Random) -> list[str]:
    people: set[str] = set()
    while len(people) < PEOPLE:
        given = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))).capitalize()
        people.add(f"{given} {rng.choice(FAMILY)}")
    return sorted(people)


def make_record(number: int, rng: random.Random, journals: list[dict], people: list[str]) -> dict:
    journal = journals[number % len(journals)]
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize()
    authors = ", ".join(dict.fromkeys(rng.choice(people) for _ in range(rng.randint(1, 8))))
    year = rng.randint(1990, 2024)
    inner = {
        "title": title,
        "authors": authors,
        "doi": f"10.9999/bench.{number}",
        "abstract": "ABSTRACT " + " ".join(rng.choice(WORDS) for _ in range(120)),
        "PeriodicalId": journal["id"],
        "journal": {
            "name": journal["name"],
            "volume": f"{rng.randint(1, 60)} {rng.randint(1, 6)}",
            "pages": f"{(start := rng.randint(1, 400))} - {start + rng.randint(5, 30)}",
        },
        "PeriodicalIF": journal["if"],
        "publicationDate": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "publicationTypes": "Journal Article",
        "isOpenAccess": rng.random() < 0.3,
        "openAccessPdf": "",
        "citationCount": str(rng.randint(0, 300)),
        "RegionNum": journal["zone"],
        "RegionCategory": "历史学",
        "JCR": journal["quartile"],
        "JCRName": "HISTORY",
        "resultStr": None,
        "platform": "Semanticscholar",
    }
    outer = dict(
        inner, title="历史研究：" + title[:20], resultStr=json.dumps(inner, ensure_ascii=False)
    )
    return outer


def generate(path: Path, count: int, seed: int = 1954) -> None:
    rng = random.Random(seed)
    journals = [
        {
            "id": 40000 + n,
            "name": f"Journal of {rng.choice(WORDS).capitalize()} Studies {n}",
            "if": round(rng.uniform(0.1, 5), 3),
            "quartile": rng.choice(["Q1", "Q2", "Q3", "Q4"]),
            "zone": rng.randint(0, 4),
        }
        for n in range(300)
    ]
    people = make_people(rng)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            record = make_record(number, rng, journals, people)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


# --- the cases, each run in a child process with its own database ----------------------------


def _setup():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """Processor seconds this process has used: on a shared machine the wall-clock time also
    counts the time other programs held the processors."""
    return time.process_time()


def case_baseline(path: Path) -> dict:
    """A bare bulk_create of the same journals, people, publications and authorships."""
    _setup()
    from django.db import transaction

    from archive import names
    from archive.models import Authorship, Journal, Person, Publication

    started, cpu = time.perf_counter(), _cpu()
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    with transaction.atomic():
        journals = {}
        for record in records:
            name = record["journal"]["name"]
            if name not in journals:
                journals[name] = Journal(name=name, slug=f"j{len(journals)}")
        Journal.objects.bulk_create(journals.values())
        people = {}
        for record in records:
            for name in record["authors"].split(", "):
                people.setdefault(name, Person(display_name=name, slug=f"p{len(people)}"))
        Person.objects.bulk_create(people.values(), batch_size=1000)
        publications = [
            Publication(
                title=json.loads(r["resultStr"])["title"],
                doi=r["doi"],
                slug=f"x{n}",
                abstract=r["abstract"],
                journal=journals[r["journal"]["name"]],
                publication_date=r["publicationDate"],
                raw_record=r,
            )
            for n, r in enumerate(records)
        ]
        Publication.objects.bulk_create(publications, batch_size=1000)
        Authorship.objects.bulk_create(
            (
                Authorship(publication=p, person=people[name], position=i, name_as_printed=name)
                for p, r in zip(publications, records, strict=True)
                for i, name in enumerate(r["authors"].split(", "), start=1)
            ),
            batch_size=1000,
        )
    del names
    return {
        "seconds": time.perf_counter() - started,
        "cpu": _cpu() - cpu,
        "records": len(records),
        "peak_mb": _peak_mb(),
    }


def case_import(path: Path, repeat: bool = False) -> dict:
    """`import_records` of the file (twice when repeat: the second time is measured)."""
    _setup()
    from io import StringIO

    from django.core.management import call_command

    if repeat:
        call_command("import_records", str(path), "--no-progress", stdout=StringIO())
    started, cpu = time.perf_counter(), _cpu()
    out = StringIO()
    call_command("import_records", str(path), "--no-progress", stdout=out)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu": _cpu() - cpu,
        "summary": out.getvalue().strip(),
        "peak_mb": _peak_mb(),
    }


def case_admin(path: Path) -> dict:
    """The admin import page: the preview (dry run) and the confirmed import, timed apart."""
    _setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    # Without DEBUG the pages name static files through collectstatic's manifest, which a
    # benchmark database does not have; plain static names cost the same to render.
    storages = dict(settings.STORAGES)
    storages["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES=storages).enable()
    User.objects.create_superuser("bench", password="bench-only-password")
    client = Client()
    client.login(username="bench", password="bench-only-password")
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/json")
    started, cpu = time.perf_counter(), _cpu()
    preview = client.post(
        "/admin/archive/publication/import/",
        {"format": "0", "resource": "0", "new_records": "published", "import_file": upload},
    )
    preview_seconds, preview_cpu = time.perf_counter() - started, _cpu() - cpu
    form = preview.context["confirm_form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    started, cpu = time.perf_counter(), _cpu()
    confirmed = client.post("/admin/archive/publication/process_import/", data)
    confirm_seconds, confirm_cpu = time.perf_counter() - started, _cpu() - cpu
    assert confirmed.status_code == 302, confirmed.status_code
    from archive.models import Publication

    return {
        "preview_seconds": preview_seconds,
        "preview_cpu": preview_cpu,
        "confirm_seconds": confirm_seconds,
        "confirm_cpu": confirm_cpu,
        "records": Publication.objects.count(),
        "peak_mb": _peak_mb(),
    }


CASES = {"baseline": case_baseline, "import": case_import, "reimport": None, "admin": case_admin}


def run_child(case: str, path: Path, database: str) -> dict:
    env = dict(os.environ, DATABASE_URL=database, DJANGO_DEBUG="false", DJANGO_SECRET_KEY="bench")
    env["DJANGO_ALLOWED_HOSTS"] = "testserver,localhost"
    # A cache of its own, as a deployment has: the content version kept in the shared one
    # changes with every other engineer's writes, and a confirmation reuses its preview's
    # verdicts only while the version stays the same.
    env["ARCHIVE_CACHE_DIR"] = str(path.parent / "cache")
    env["DJANGO_SECURE_SSL_REDIRECT"] = "false"
    output = subprocess.run(
        [sys.executable, __file__, "--child", case, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if output.returncode:
        raise SystemExit(f"{case} failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def fresh_database(kind: str, work: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{work / (name + '.sqlite3')}"
    import psycopg

    with psycopg.connect(kind, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return kind.rsplit("/", 1)[0] + "/" + name


def runs_of(repeat: int, case: str, path: Path, kind: str, work: Path, name: str) -> list:
    """`repeat` runs of a case, each on a fresh database."""
    return [
        run_child(case, path, fresh_database(kind, work, f"{name}{attempt}"))
        for attempt in range(repeat)
    ]


def best_of(repeat: int, case: str, path: Path, kind: str, work: Path, name: str) -> dict:
    return min(runs_of(repeat, case, path, kind, work, name), key=lambda run: run["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database", default="sqlite", help="sqlite, or a postgres:// URL")
    parser.add_argument("--admin-size", type=int, default=10_000, help="0 leaves the admin out")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each case this many times; keep the fastest"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        case, path = args.child
        result = (
            case_import(Path(path), repeat=True) if case == "reimport" else CASES[case](Path(path))
        )
        print(json.dumps(result))
        return

    kind, repeat = args.database, args.repeat
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        rows = []
        for size in args.sizes:
            path = work / f"booksci_{size}.jsonl"
            generate(path, size)
            mb = path.stat().st_size / 1e6
            base = best_of(repeat, "baseline", path, kind, work, f"b{size}")
            base_rate = size / base["seconds"]
            rows.append((f"bare bulk_create, {size:,}", base, base_rate, 1.0))
            for case, label in (
                ("import", f"import_records, {size:,} ({mb:.0f} MB)"),
                ("reimport", f"re-import unchanged, {size:,}"),
            ):
                run = best_of(repeat, case, path, kind, work, f"{case[0]}{size}")
                rate = size / run["seconds"]
                rows.append((label, run, rate, rate / base_rate))
        if args.admin_size:
            path = work / f"booksci_{args.admin_size}.jsonl"
            if not path.exists():
                generate(path, args.admin_size)
            runs = runs_of(repeat, "admin", path, kind, work, "admin")
            for step in ("preview", "confirm"):
                run = min(runs, key=lambda run, step=step: run[f"{step}_seconds"])
                seconds = run[f"{step}_seconds"]
                rows.append(
                    (
                        f"admin {step}, {args.admin_size:,}",
                        {"seconds": seconds, "cpu": run[f"{step}_cpu"], "peak_mb": run["peak_mb"]},
                        args.admin_size / seconds,
                        None,
                    )
                )

    print(f"database: {args.database.split('@')[-1]}, python {sys.version.split()[0]}, ", end="")
    print(f"best of {repeat} run(s), load average {os.getloadavg()[0]:.1f}")
    print(
        f"{'case':42} {'seconds':>8} {'records/s':>10} {'vs bulk':>8} {'cpu s':>7} {'peak MB':>8}"
    )
    for name, run, rate, ratio in rows:
        ratio_text = f"{ratio:.0%}" if ratio is not None else "–"
        print(
            f"{name:42} {run['seconds']:8.2f} {rate:10,.0f} {ratio_text:>8} {run['cpu']:7.2f} "
            f"{run['peak_mb']:8.0f}"
        )


if __name__ == "__main__":
    main()
