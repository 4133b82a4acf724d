"""The archive under load as production serves it: gunicorn on loopback over 100,000
publications, 50 concurrent clients for 60 s.

    uv run python benchmarks/load_benchmark.py [--database sqlite|postgres://…] [--reuse]
        [--servers 2x4 …] [--clients 50] [--duration 60] [--think 0] [--costs 10]
        [--size 100000] [--prepare-only]

The archive is the one benchmarks/page_benchmark.py generates (its `generate()`, imported): 500
journals, 20,000 people, 2,000 events and 100,000 publications. SQLite goes to
var/benchmarks/load.sqlite3; a PostgreSQL URL names a database of your own. Either is made
afresh unless `--reuse` finds it generated before.

For each `--servers` setting (WORKERSxTHREADS), gunicorn serves config.wsgi as README "Deploying"
says (debug off, static files collected and served by WhiteNoise, the access log on), except
that the HTTPS redirect is off (DJANGO_SECURE_SSL_REDIRECT=false): there is no TLS proxy on
loopback. Once /healthz answers, a warm-up pass calls a few pages of every kind, and (for the
first setting) `--costs` requests of each kind are timed one at a time: the processor time that
gunicorn and PostgreSQL spend on each, which does not depend on what else the machine runs.

Then Locust, in a child process, runs `--clients` clients for `--duration` seconds. One of them
downloads the whole publication CSV every 20 s; the others read pages drawn from the archive's
own records in the proportions of MIX, each sending its next request as soon as the last is
answered, or after `--think` seconds on average. When the time is up, the requests under way
are answered and counted. It prints, for each kind of request and overall, the requests answered
per second and the 50th, 95th and 99th percentile times; the errors (any status but 200, an
answer cut short, or none); the processor time that gunicorn, PostgreSQL's backends and the load
tool took; and the load average, since the machine may be shared.
"""

import argparse
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "benchmarks"
SQLITE_PATH = WORK / "load.sqlite3"

# Percent of the readers' requests. The whole publication CSV is not among them: one client of
# its own downloads it every EXPORT_INTERVAL seconds.
MIX = {
    "home page": 3,
    "list, page 1": 8,
    "list, deep page": 6,
    "list, filtered": 14,
    "list, q in Latin letters": 10,
    "list, q in Chinese": 5,
    "site search": 5,
    "publication page": 24,
    "person page": 10,
    "event page": 6,
    "journal page": 5,
    "CSV, filtered": 4,
}
WHOLE_CSV = "CSV, whole archive"
EXPORT_INTERVAL = 20
DRAIN_SECONDS = 600
URLS_PER_KIND = 1_000
CHINESE_SHARE = 0.2  # of page addresses, under /zh-hans/


# --- the archive ----------------------------------------------------------------------------


def configure(database: str) -> None:
    """This process's environment, which gunicorn inherits: production's, on loopback."""
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}" if database == "sqlite" else database
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", "load-benchmark-only-" + "x" * 40)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
    os.environ["DJANGO_STATIC_ROOT"] = str(WORK / "load-static")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))


def make_database(database: str, *, fresh: bool) -> None:
    if database == "sqlite":
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(database)
    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and fresh:
            connection.execute(f'DROP DATABASE "{name}"')
        if fresh or not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def prepare(database: str, size: int, reuse: bool) -> None:
    make_database(database, fresh=not reuse)

    import django

    django.setup()
    from django.core.management import call_command

    from archive.models import Publication

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    found = Publication.objects.count()
    if found == 0:
        from page_benchmark import generate

        generate(size)
    elif found != size:
        sys.exit(f"The archive has {found:,} publications, not {size:,}: run without --reuse.")
    else:
        print(f"reusing the archive generated before ({found:,} publications)")


def url_mix(seed: int = 1991) -> dict[str, list[str]]:
    """For each kind of request, URLS_PER_KIND addresses drawn from the archive's records; a
    reader picks a kind by MIX, then one of its addresses."""
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import translation

    from archive.models import (
        Event,
        EventTitle,
        Journal,
        Person,
        PersonName,
        Publication,
        PublicationTitle,
    )

    rng = random.Random(seed)
    translation.activate("en")

    def page(url: str) -> str:
        return f"/zh-hans{url}" if rng.random() < CHINESE_SHARE else url

    def with_query(path: str, **params) -> str:
        return f"{path}?{urlencode(params, quote_via=quote)}"

    def pages(model) -> int:
        return max(1, -(-model.objects.published().count() // 25))

    publications = list(Publication.objects.published().values_list("slug", "title"))
    people = list(Person.objects.published().values_list("slug", "family_name"))
    events = list(Event.objects.published().values_list("slug", "title", "date_earliest"))
    journals = list(Journal.objects.published().values_list("slug", "name"))
    prolific = list(
        Person.objects.published()
        .annotate(credits=Count("authorships"))
        .order_by("-credits")
        .values_list("slug", flat=True)[:200]
    )
    places = list(Event.objects.exclude(place="").values_list("place", flat=True).distinct())
    han_titles = list(
        PublicationTitle.objects.filter(language="zh").values_list("title", flat=True)[:20_000]
    )
    han_titles += Publication.objects.filter(language="zh").values_list("title", flat=True)
    han_names = list(PersonName.objects.filter(language="zh-Hans").values_list("name", flat=True))
    han_events = list(EventTitle.objects.values_list("title", flat=True))
    lists = {
        Publication: reverse("archive:publication_list"),
        Person: reverse("archive:person_list"),
        Event: reverse("archive:event_list"),
        Journal: reverse("archive:journal_list"),
    }
    last_page = {model: pages(model) for model in lists}

    def latin_words(text: str) -> list[str]:
        return [word for word in text.lower().split() if len(word) >= 3 and word.isascii()]

    def latin_query() -> str:
        words = latin_words(rng.choice(publications)[1]) or ["soviet"]
        return " ".join(rng.sample(words, min(len(words), rng.choice([1, 1, 1, 2]))))

    def han_slice(text: str) -> str:
        length = rng.choice([2, 2, 3, 4])
        start = rng.randrange(max(1, len(text) - length + 1))
        return text[start : start + length]

    def publication_filters() -> dict:
        year = rng.randint(1950, 2020)
        choices = [
            {"journal": rng.choice(journals)[0], "year_min": year, "year_max": year + 10},
            {"journal": rng.choice(journals)[0]},
            {"author": rng.choice(prolific)},
            {"author": rng.choice(people)[0]},
            {"about": rng.choice(people)[0]},
            {"event": rng.choice(events)[0]},
            {"year_min": year, "year_max": year + rng.randint(0, 20)},
            {"publication_type": rng.choice(["book", "review"]), "open_access": "true"},
            {"language": "zh", "sort": "-citations"},
        ]
        return rng.choice(choices)

    def home() -> str:
        return page(reverse("archive:home"))

    def first_page() -> str:
        return page(rng.choice([*lists.values(), reverse("archive:event_timeline")]))

    def deep_page() -> str:
        model = rng.choice([Publication, Publication, Publication, Person, Event, Journal])
        params = {"page": rng.randint(2, last_page[model])}
        if model is Publication and rng.random() < 0.5:
            params["sort"] = rng.choice(["date", "title", "-citations"])
        return page(with_query(lists[model], **params))

    def filtered() -> str:
        kind = rng.random()
        if kind < 0.7:
            return page(with_query(lists[Publication], **publication_filters()))
        if kind < 0.8:
            born = rng.randint(1880, 1940)
            return page(with_query(lists[Person], role="author", born_min=born, born_max=born + 20))
        if kind < 0.9:
            year = rng.randint(1945, 1988)
            params = {"year_min": year, "year_max": year + rng.randint(0, 6)}
            if rng.random() < 0.5:
                params["place"] = rng.choice(places)
            return page(with_query(lists[Event], **params))
        return page(with_query(lists[Journal], quartile=rng.choice(["Q1", "Q2", "Q3", "Q4"])))

    def latin_search() -> str:
        kind = rng.random()
        if kind < 0.7:
            return page(with_query(lists[Publication], q=latin_query()))
        if kind < 0.85:
            return page(with_query(lists[Person], q=rng.choice(people)[1]))
        if kind < 0.95:
            return page(with_query(lists[Event], q=rng.choice(latin_words(rng.choice(events)[1]))))
        return page(with_query(lists[Journal], q=rng.choice(latin_words(rng.choice(journals)[1]))))

    def chinese_search() -> str:
        kind = rng.random()
        if kind < 0.7:
            return page(with_query(lists[Publication], q=han_slice(rng.choice(han_titles))))
        if kind < 0.85:
            return page(with_query(lists[Person], q=han_slice(rng.choice(han_names))))
        return page(with_query(lists[Event], q=han_slice(rng.choice(han_events))))

    def site_search() -> str:
        query = latin_query() if rng.random() < 0.7 else han_slice(rng.choice(han_titles))
        return page(with_query(reverse("archive:search"), q=query))

    def detail(name: str, records: list) -> str:
        return page(reverse(f"archive:{name}", kwargs={"slug": rng.choice(records)[0]}))

    def filtered_csv() -> str:
        kind = rng.random()
        if kind < 0.8:
            params = publication_filters()
            params.pop("sort", None)
            if "language" in params:  # a tenth of the archive: not what "filtered" means here
                params["year_min"] = params["year_max"] = rng.randint(1950, 2024)
            return with_query(reverse("archive:publication_list_csv"), **params)
        year = rng.randint(1945, 1988)
        return with_query(reverse("archive:event_list_csv"), year_min=year, year_max=year + 2)

    makers = {
        "home page": home,
        "list, page 1": first_page,
        "list, deep page": deep_page,
        "list, filtered": filtered,
        "list, q in Latin letters": latin_search,
        "list, q in Chinese": chinese_search,
        "site search": site_search,
        "publication page": lambda: detail("publication_detail", publications),
        "person page": lambda: detail("person_detail", people),
        "event page": lambda: detail("event_detail", events),
        "journal page": lambda: detail("journal_detail", journals),
        "CSV, filtered": filtered_csv,
    }
    mix = {kind: [make() for _ in range(URLS_PER_KIND)] for kind, make in makers.items()}
    mix[WHOLE_CSV] = [reverse("archive:publication_list_csv")]
    return mix


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, timeout: float = 120) -> int | str:
    """The status of a GET once its body is read, or what went wrong instead."""
    import http.client
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (http.client.HTTPException, OSError) as error:  # no answer, or one cut short
        return type(error).__name__


def start_server(workers: int, threads: int, port: int, log: Path) -> subprocess.Popen:
    """gunicorn as README "Deploying" runs it, on loopback; returns once /healthz answers."""
    command = [
        *(sys.executable, "-m", "gunicorn", "config.wsgi"),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--access-logfile", "-"),
    ]
    if threads > 1:
        command += ["--threads", str(threads)]
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}; see {log}")
        if get(f"http://127.0.0.1:{port}/healthz", timeout=5) == 200:
            return server
        time.sleep(0.5)
    stop_server(server)
    sys.exit(f"gunicorn did not answer /healthz within 60 s; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM: gunicorn's graceful stop, in which workers finish their requests."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        print("gunicorn did not stop within 60 s of SIGTERM and was killed")


def warm_up(base: str, mix: dict[str, list[str]], calls: int) -> None:
    """A few calls of every kind of page before the clock starts, so that each worker has
    loaded its templates and opened its connection (not counted)."""
    for kind, urls in mix.items():
        if kind != WHOLE_CSV:
            for url in urls[-calls:]:
                get(base + url)


# --- processor time -------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, processor ticks so far, command line) of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]), command)
    return found


def cpu_snapshot(server_pid: int, database_name: str | None) -> dict[str, dict[int, int]]:
    """Processor ticks of gunicorn (master and workers) and of the PostgreSQL backends serving
    `database_name`, by process."""
    processes = _processes()
    gunicorn = {
        pid: ticks
        for pid, (parent, ticks, _) in processes.items()
        if pid == server_pid or parent == server_pid
    }
    backends = {}
    if database_name:
        backends = {
            pid: ticks
            for pid, (_, ticks, command) in processes.items()
            if command.startswith("postgres: ") and f" {database_name} " in command
        }
    return {"gunicorn": gunicorn, "postgresql": backends}


def cpu_seconds(before: dict[int, int], after: dict[int, int]) -> float:
    """Seconds used between two snapshots by the processes alive at the second (a process that
    ended in between is not counted)."""
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items()) / TICKS


# --- the load -------------------------------------------------------------------------------


def drive(spec_path: str) -> None:
    """The load itself, in a process of its own: Locust patches the standard library for
    gevent as it is imported."""
    spec = json.loads(Path(spec_path).read_text())

    import gevent
    from locust import FastHttpUser, between, constant, task
    from locust.env import Environment

    rng = random.Random(spec["seed"])
    kinds = list(MIX)
    weights = [MIX[kind] for kind in kinds]
    think = spec["think"]

    class Client(FastHttpUser):
        abstract = True
        host = spec["host"]
        network_timeout = 600.0  # a slow answer is measured, not cut short

        def fetch(self, kind: str, url: str) -> None:
            started[kind] += 1
            with self.client.get(
                url, name=kind, allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")

    class Reader(Client):
        wait_time = between(think / 2, think * 3 / 2) if think else constant(0)

        @task
        def read(self):
            kind = rng.choices(kinds, weights)[0]
            self.fetch(kind, rng.choice(spec["urls"][kind]))

    class Exporter(Client):
        fixed_count = 1
        wait_time = constant(EXPORT_INTERVAL)

        def on_start(self):
            gevent.sleep(EXPORT_INTERVAL / 2)

        @task
        def export(self):
            self.fetch(WHOLE_CSV, spec["urls"][WHOLE_CSV][0])

    timings, sizes, errors, started = defaultdict(list), Counter(), Counter(), Counter()
    in_time, deadline = Counter(), [float("inf")]

    def record(name, response_time, response_length, exception, **kwargs):
        timings[name].append(response_time)
        if time.monotonic() <= deadline[0]:
            in_time[name] += 1
        sizes[name] += response_length or 0
        if exception:
            errors[f"{name}: {exception}"[:200]] += 1

    # When the time is up, each client's request under way is answered and counted (its time is
    # a time under load); it is not counted in the throughput.
    environment = Environment(user_classes=[Reader, Exporter], stop_timeout=DRAIN_SECONDS)
    environment.events.request.add_listener(record)
    runner = environment.create_local_runner()
    cpu = time.process_time()
    began = time.monotonic()
    deadline[0] = began + spec["duration"]
    runner.start(spec["clients"], spawn_rate=spec["clients"])
    gevent.sleep(spec["duration"])
    runner.quit()
    result = {
        "seconds": spec["duration"],
        "timings": timings,
        "in_time": in_time,
        "bytes": sizes,
        "errors": errors,
        "unfinished": {kind: count - len(timings[kind]) for kind, count in started.items()},
        "cpu": time.process_time() - cpu,
        "cpu_warning": runner.cpu_warning_emitted,
    }
    Path(spec["out"]).write_text(json.dumps(result))


def percentile(ordered: list[float], share: float) -> float:
    """Nearest rank."""
    return ordered[max(0, math.ceil(len(ordered) * share) - 1)]


def report(result: dict) -> None:
    seconds = result["seconds"]
    timings = result["timings"]
    readers = [time for kind in MIX for time in timings.get(kind, [])]
    rows = [(kind, timings.get(kind, [])) for kind in [*MIX, WHOLE_CSV]]
    rows += [("all but the whole CSV", readers), ("all", readers + timings.get(WHOLE_CSV, []))]
    failed = Counter()
    for message, count in result["errors"].items():
        failed[message.split(":")[0]] += count
    failed["all but the whole CSV"] = sum(failed[kind] for kind in MIX)
    failed["all"] = sum(result["errors"].values())
    answered = Counter(result["in_time"])
    answered["all but the whole CSV"] = sum(answered[kind] for kind in MIX)
    answered["all"] = sum(result["in_time"].values())
    print(
        "| request | requests | per s | errors | p50 ms | p95 ms | p99 ms | max ms |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    for kind, times in rows:
        ordered = sorted(times)
        if not ordered:
            print(f"| {kind} | 0 | | {failed[kind]} | | | | |")
            continue
        print(
            f"| {kind} | {len(ordered):,} | {answered[kind] / seconds:.1f} | {failed[kind]} "
            f"| {percentile(ordered, 0.5):.0f} | {percentile(ordered, 0.95):.0f} "
            f"| {percentile(ordered, 0.99):.0f} | {ordered[-1]:.0f} |"
        )
    megabytes = sum(result["bytes"].values()) / 2**20
    print(
        f"\nthroughput: {answered['all'] / seconds:.1f} requests/s answered in the {seconds:g} s, "
        f"{megabytes / seconds:.1f} MB/s; errors: {failed['all']}"
    )
    for message, count in sorted(result["errors"].items()):
        print(f"  {count} × {message}")
    unfinished = {kind: count for kind, count in result["unfinished"].items() if count}
    if unfinished:
        print(
            f"no answer {DRAIN_SECONDS} s after the time was up (not counted above): "
            + ", ".join(f"{count} × {kind}" for kind, count in unfinished.items())
        )


def measure_costs(base: str, mix: dict[str, list[str]], server_pid: int, database_name, calls: int):
    """What each kind of request costs, one request at a time with nothing else calling the
    server: the processor time of gunicorn and of PostgreSQL's backends, which unlike the time
    a client waits does not grow when other processes take the cores."""
    print(
        f"\nCost of a request, {calls} of each kind one at a time (the whole CSV once):\n\n"
        "| request | server CPU ms | database CPU ms | wall-clock ms |\n|---|---:|---:|---:|"
    )
    for kind, urls in mix.items():
        chosen = urls[:1] if kind == WHOLE_CSV else urls[:calls]
        before = cpu_snapshot(server_pid, database_name)
        started = time.perf_counter()
        for url in chosen:
            status = get(base + url, timeout=1200)
            if status != 200:
                print(f"  status {status}: {url}")
        wall = (time.perf_counter() - started) * 1000 / len(chosen)
        after = cpu_snapshot(server_pid, database_name)
        server, database = (
            cpu_seconds(before[name], after[name]) * 1000 / len(chosen)
            for name in ("gunicorn", "postgresql")
        )
        shown = f"{database:.0f}" if database_name else "–"
        print(f"| {kind} | {server:.0f} | {shown} | {wall:.0f} |", flush=True)


def run(options, mix: dict[str, list[str]], workers: int, threads: int, costs: int) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    label = "sqlite" if options.database == "sqlite" else "postgresql"
    log = WORK / f"load-gunicorn-{label}-{workers}x{threads}.log"
    database_name = None if options.database == "sqlite" else urlsplit(options.database).path[1:]
    spec_path, out_path = WORK / "load-spec.json", WORK / "load-result.json"
    spec_path.write_text(
        json.dumps(
            {
                "host": base,
                "urls": mix,
                "clients": options.clients,
                "duration": options.duration,
                "think": options.think,
                "seed": 1954,
                "out": str(out_path),
            }
        )
    )
    print(f"\n### {label}, gunicorn {workers} worker(s) × {threads} thread(s)", flush=True)
    server = start_server(workers, threads, port, log)
    try:
        warm_up(base, mix, calls=2 * workers)
        if costs:
            measure_costs(base, mix, server.pid, database_name, costs)
        load_before = os.getloadavg()
        before = cpu_snapshot(server.pid, database_name)
        subprocess.run([sys.executable, __file__, "--drive", str(spec_path)], check=True)
        after = cpu_snapshot(server.pid, database_name)
        load_after = os.getloadavg()
    finally:
        stop_server(server)
    result = json.loads(out_path.read_text())
    pause = f"{options.think:g} s on average" if options.think else "no pause"
    print(
        f"\n{options.clients} clients ({pause}; one downloads the whole CSV every "
        f"{EXPORT_INTERVAL} s), {options.duration:g} s:\n"
    )
    report(result)
    used = {name: cpu_seconds(before[name], after[name]) for name in before}
    used["the load tool"] = result["cpu"]
    if not database_name:
        del used["postgresql"]
    answered = sum(len(times) for times in result["timings"].values())
    # Processor time per request does not depend on what else the machine is doing; the
    # times above do, when other processes take the cores.
    print(
        "processor time: "
        + ", ".join(
            f"{name} {seconds:.0f} s ({seconds * 1000 / max(answered, 1):.0f} ms a request)"
            for name, seconds in used.items()
        )
        + f", of {os.cpu_count()} cores × {result['seconds']:.0f} s"
        + (
            "; the load tool warned that it used over 90% of a core"
            if result["cpu_warning"]
            else ""
        )
    )
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{x:.1f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.1f}" for x in load_after)
    )
    print(f"gunicorn's log: {log.relative_to(ROOT)}", flush=True)
    return result


def main() -> None:
    if sys.argv[1:2] == ["--drive"]:
        drive(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", help="sqlite, or a postgres:// URL")
    parser.add_argument("--size", type=int, default=100_000, help="publications to generate")
    parser.add_argument("--reuse", action="store_true", help="use the archive generated before")
    parser.add_argument(
        "--prepare-only", action="store_true", help="generate (or check) the archive and stop"
    )
    parser.add_argument(
        "--servers",
        nargs="+",
        default=["2x4"],
        metavar="WORKERSxTHREADS",
        help="gunicorn settings to measure, one run each (default 2x4: README's command)",
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument(
        "--think", type=float, default=0, help="each reader's mean pause between requests, s"
    )
    parser.add_argument(
        "--costs",
        type=int,
        default=20,
        metavar="N",
        help="before the load, time N requests of each kind one at a time (0: skip)",
    )
    options = parser.parse_args()
    settings = []
    for setting in options.servers:
        workers, _, threads = setting.partition("x")
        settings.append((int(workers), int(threads or 1)))

    configure(options.database)
    prepare(options.database, options.size, options.reuse)
    if options.prepare_only:
        return
    mix = url_mix()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        version = cursor.fetchone()[0]
    vendor = connection.vendor
    connection.close()  # gunicorn's workers open their own
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(f"{vendor} {version}, {options.size:,} publications, code {commit}")
    for number, (workers, threads) in enumerate(settings):
        run(options, mix, workers, threads, costs=0 if number else options.costs)


if __name__ == "__main__":
    main()
