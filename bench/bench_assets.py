"""Benchmark of the asset register at 10,000 assets: list page, API list and GeoJSON export.

For each database (SQLite and/or PostgreSQL) it builds a fresh database, migrates it, loads the
default data and tops it up to --assets synthetic assets (deterministic: a fixed seed), serves it
with gunicorn and the production settings (northstar.settings.deploy, plain HTTP on 127.0.0.1)
and times real HTTP requests with httpx from this process. It prints a Markdown table and writes
bench/results/<date>-assets.json. See docs/PERFORMANCE.md.

    .venv/bin/python bench/bench_assets.py [--database sqlite|postgres|both] [--assets 10000]
                                           [--requests 200] [--geojson-requests 30]

Only 127.0.0.1 is contacted; every phase is bounded in requests and seconds; gunicorn is always
stopped at the end, also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common
from _common import PYTHON, REPO_DIR, RESULTS_DIR, VAR_DIR, percentile

SQLITE_FILE = VAR_DIR / "northstar-bench.sqlite3"
PG_DATABASE = "northstar_bench"
SEED = 20240611

# Targets from the acceptance criteria (milliseconds, on p95).
TARGETS_MS = {"list_page": 150.0, "api_list": 150.0, "geojson": 1000.0}
ENDPOINT_LABELS = {
    "list_page": "List page GET /assets/",
    "api_list": "API list GET /api/assets/",
    "geojson": "GeoJSON GET /api/assets/geojson (all)",
}
# The LCR box synthetic coordinates fall in.
LAT_RANGE = (53.30, 53.65)
LON_RANGE = (-3.20, -2.55)

# A keyword a known share of synthetic notes carry, for the free-text filter.
SEARCH_WORD = "hydrogen"


# --------------------------------------------------------------------------------------------
# Requests: the variants timed for each endpoint (round robin).
# --------------------------------------------------------------------------------------------


def request_variants(total_assets: int) -> dict[str, list[tuple[str, str, dict]]]:
    list_pages = max(1, -(-total_assets // 25))
    api_pages = max(1, -(-total_assets // 50))
    return {
        "list_page": [
            ("page 1", "/assets/", {}),
            ("deep page", "/assets/", {"page": str(max(1, list_pages * 3 // 4))}),
            (
                "filtered",
                "/assets/",
                {"theme": "net_zero_maritime", "status": "existing", "borough": "liverpool"},
            ),
            ("search", "/assets/", {"q": SEARCH_WORD, "page": "2"}),
        ],
        "api_list": [
            ("page 1", "/api/assets/", {}),
            ("deep page", "/api/assets/", {"page": str(max(1, api_pages * 3 // 4))}),
            (
                "filtered",
                "/api/assets/",
                {"theme": "net_zero_maritime", "status": "existing", "borough": "liverpool"},
            ),
            ("search", "/api/assets/", {"q": SEARCH_WORD, "page": "2"}),
        ],
        "geojson": [("all", "/api/assets/geojson", {})],
    }


# --------------------------------------------------------------------------------------------
# The child process: build the data (inside Django, with the deploy settings).
# --------------------------------------------------------------------------------------------


def prepare(database: str, total_assets: int, seed: int) -> dict:
    """Runs in a child process whose environment selects the database. Returns facts as JSON."""
    sys.path.insert(0, str(REPO_DIR))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from northstar.assets.models import (
        Asset,
        AssetStatus,
        AssetType,
        LocationPrecision,
        LocationScope,
        OrganisationKind,
        Theme,
    )
    from northstar.core.services import load_default_data
    from northstar.places.models import Place
    from northstar.places.services import default_place

    facts: dict = {"timings_s": {}}
    t = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    facts["timings_s"]["migrate"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    facts["timings_s"]["collectstatic"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    facts["default_data"] = list(load_default_data())
    facts["timings_s"]["load_default_data"] = round(time.perf_counter() - t, 2)

    rng = random.Random(seed)
    themes = list(Theme.objects.order_by("code"))
    region = default_place()
    boroughs = list(Place.objects.boroughs_of(region)) if region else []
    if not themes or not boroughs:
        raise SystemExit("default data did not load themes and boroughs")
    existing = Asset.objects.count()
    start_number = (
        Asset.objects.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1

    first_words = [
        "Advanced",
        "Applied",
        "Atlantic",
        "Coastal",
        "Digital",
        "Green",
        "Harbour",
        "Integrated",
        "Mersey",
        "Northern",
        "Open",
        "Precision",
        "Quantum",
        "Regional",
        "Riverside",
        "Smart",
    ]
    middle_words = [
        "Materials",
        "Health",
        "Energy",
        "Data",
        "Manufacturing",
        "Robotics",
        "Genomics",
        "Port",
        "Chemistry",
        "Imaging",
        "Vaccine",
        "Battery",
        "Sensor",
        "Logistics",
        "Software",
        "Water",
    ]
    last_words = [
        "Centre",
        "Lab",
        "Hub",
        "Institute",
        "Campus",
        "Park",
        "Facility",
        "Network",
        "Works",
        "Studio",
        "Foundry",
        "Exchange",
    ]
    note_words = [
        "research",
        "partnership",
        "pilot",
        "university",
        "industry",
        "spin-out",
        "clinical",
        "offshore",
        "wind",
        "carbon",
        "capture",
        "supercomputer",
        "testbed",
        "skills",
        "funding",
        "expansion",
        "phase",
        "site",
        "campus",
        "consortium",
        "innovation",
        "trial",
        "scale-up",
    ]
    scopes = (
        [LocationScope.BOROUGH] * 88
        + [LocationScope.REGION_WIDE] * 5
        + [LocationScope.OUTSIDE] * 4
        + [LocationScope.OFFSHORE] * 3
    )
    new = []
    for i in range(max(0, total_assets - existing)):
        scope = rng.choice(scopes)
        place = rng.choice(boroughs) if scope == LocationScope.BOROUGH else None
        if scope != LocationScope.REGION_WIDE and rng.random() < 0.85:
            lat = Decimal(f"{rng.uniform(*LAT_RANGE):.5f}")
            lon = Decimal(f"{rng.uniform(*LON_RANGE):.5f}")
            precision = rng.choice([LocationPrecision.SITE, LocationPrecision.AREA])
        else:
            lat = lon = None
            precision = LocationPrecision.NONE
        words = rng.choices(note_words, k=rng.randint(6, 30))
        if rng.random() < 0.10:
            words.insert(rng.randrange(len(words) + 1), SEARCH_WORD)
        new.append(
            Asset(
                number=start_number + i,
                name=" ".join(
                    (rng.choice(first_words), rng.choice(middle_words), rng.choice(last_words))
                )
                + f" {start_number + i}",
                display_name="",
                theme=rng.choice(themes),
                status=AssetStatus.PIPELINE if rng.random() < 0.25 else AssetStatus.EXISTING,
                asset_type=rng.choice(AssetType.values),
                place=place,
                location_scope=scope,
                latitude=lat,
                longitude=lon,
                location_precision=precision,
                organisation_kind=rng.choice(OrganisationKind.values),
                notes=" ".join(words).capitalize() + ".",
            )
        )
    t = time.perf_counter()
    Asset.objects.bulk_create(new, batch_size=1000)
    facts["timings_s"]["bulk_create"] = round(time.perf_counter() - t, 2)
    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a bulk load; without it the first plans are
        # made on empty-table statistics.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    facts["assets_total"] = Asset.objects.count()
    facts["assets_default"] = existing
    facts["assets_synthetic"] = len(new)
    facts["assets_with_coordinates"] = Asset.objects.filter(latitude__isnull=False).count()
    facts["assets_active"] = Asset.objects.active().count()

    # SQL queries each request makes (in process, same settings): for diagnosis, not timing.
    client = Client(HTTP_HOST="127.0.0.1")
    queries = {}
    for endpoint, variants in request_variants(facts["assets_total"]).items():
        for name, path, params in variants:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path, params)
            queries[f"{endpoint}/{name}"] = {
                "status": response.status_code,
                "queries": len(ctx.captured_queries),
            }
    facts["sql_queries"] = queries
    facts["db_vendor"] = connection.vendor
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")  # e.g. "15.20 (Debian 15.20-0+deb12u1)"
        else:
            cursor.execute("select sqlite_version()")
        facts["db_version_full"] = cursor.fetchone()[0]
        facts["db_version"] = facts["db_version_full"].split()[0]
    return facts


# --------------------------------------------------------------------------------------------
# The parent process: databases, gunicorn, timing.
# --------------------------------------------------------------------------------------------


def bench_env(database: str) -> dict[str, str]:
    return _common.deploy_env(database, SQLITE_FILE, PG_DATABASE, DJANGO_ALLOWED_HOSTS="127.0.0.1")


def fresh_database(database: str) -> None:
    _common.fresh_database(database, SQLITE_FILE, PG_DATABASE)


class Gunicorn(_common.Gunicorn):
    """gunicorn as deployed, on a free local port, ready once the API answers; always stopped
    by stop()."""

    def __init__(self, env: dict[str, str], workers: int, log_path: Path):
        super().__init__(env, workers, log_path, ready_path="/api/assets/?page_size=1")


def summarise(times_ms: list[float], sizes: list[int], statuses: dict[int, int]) -> dict:
    return {
        "requests": len(times_ms),
        "p50_ms": round(percentile(times_ms, 50), 1),
        "p95_ms": round(percentile(times_ms, 95), 1),
        "max_ms": round(max(times_ms), 1) if times_ms else None,
        "min_ms": round(min(times_ms), 1) if times_ms else None,
        "mean_ms": round(sum(times_ms) / len(times_ms), 1) if times_ms else None,
        "bytes_min": min(sizes) if sizes else None,
        "bytes_max": max(sizes) if sizes else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def time_endpoint(
    client,
    variants: list[tuple[str, str, dict]],
    count: int,
    warmup: int,
    max_seconds: float,
    workers: int,
) -> dict:
    """Warm up, then `count` sequential requests round robin over the variants.

    The warm-up runs `workers` requests at a time, so that every gunicorn worker (not just the
    one the kernel happens to wake) has loaded its code and templates before the timing starts.
    """
    import httpx

    def warm_one(variant) -> None:
        with contextlib.suppress(httpx.TransportError):  # counted in the timed part only
            client.get(variant[1], params=variant[2])

    warm = [variants[i % len(variants)] for i in range(warmup * len(variants) * workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(warm_one, warm))
    per_variant: dict[str, dict] = {
        name: {"times": [], "sizes": [], "statuses": {}} for name, _, _ in variants
    }
    all_times, all_sizes, all_statuses = [], [], {}
    deadline = time.monotonic() + max_seconds
    truncated = False
    transport_errors: list[dict] = []
    for i in range(count):
        if time.monotonic() > deadline:
            truncated = True
            break
        name, path, params = variants[i % len(variants)]
        t0 = time.perf_counter()
        try:
            response = client.get(path, params=params)
        except httpx.TransportError as exc:
            # No response at all (e.g. a connection reset): counted, reported, not timed.
            transport_errors.append({"variant": name, "request": i, "error": repr(exc)})
            continue
        body = response.content  # read in full (httpx reads it before returning)
        elapsed = (time.perf_counter() - t0) * 1000
        for bucket_times, bucket_sizes, bucket_statuses in (
            (all_times, all_sizes, all_statuses),
            (per_variant[name]["times"], per_variant[name]["sizes"], per_variant[name]["statuses"]),
        ):
            bucket_times.append(elapsed)
            bucket_sizes.append(len(body))
            bucket_statuses[response.status_code] = bucket_statuses.get(response.status_code, 0) + 1
    result = summarise(all_times, all_sizes, all_statuses)
    result["truncated_by_time_limit"] = truncated
    result["transport_errors"] = transport_errors
    result["variants"] = {
        name: {
            "path": path,
            "params": params,
            **summarise(
                per_variant[name]["times"],
                per_variant[name]["sizes"],
                per_variant[name]["statuses"],
            ),
            "samples_ms": [round(x, 2) for x in per_variant[name]["times"]],
        }
        for name, path, params in variants
    }
    return result


def check_responses(client, total_assets: int) -> dict:
    """Sanity: the pages answer 200 and the GeoJSON holds every asset."""
    api = client.get("/api/assets/").json()
    geo = client.get("/api/assets/geojson").json()
    page = client.get("/assets/")
    return {
        "api_count": api["count"],
        "api_page_results": len(api["results"]),
        "geojson_features": len(geo["features"]),
        "geojson_features_without_geometry": sum(
            1 for f in geo["features"] if f["geometry"] is None
        ),
        "list_page_status": page.status_code,
        "list_page_shows_total": f"<strong>{total_assets}</strong>" in page.text,
    }


def run_database(database: str, args) -> dict:
    import httpx

    print(
        f"\n== {database}: fresh database, migrate, default data, {args.assets} assets", flush=True
    )
    fresh_database(database)
    env = bench_env(database)
    t = time.perf_counter()
    child = subprocess.run(
        [
            PYTHON,
            __file__,
            "--prepare",
            database,
            "--assets",
            str(args.assets),
            "--seed",
            str(args.seed),
        ],
        env=env,
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if child.returncode != 0:
        sys.stderr.write(child.stdout + child.stderr)
        raise RuntimeError(
            f"preparing the {database} database failed (above); collectstatic needs the built "
            "front end (npm run build, as scripts/serve does)"
        )
    facts = json.loads(child.stdout.strip().splitlines()[-1])
    facts["timings_s"]["prepare_total"] = round(time.perf_counter() - t, 2)
    print(
        f"   {facts['assets_total']} assets ({facts['assets_synthetic']} synthetic) in "
        f"{facts['timings_s']['prepare_total']} s; {facts['db_vendor']} {facts['db_version']}",
        flush=True,
    )

    server = Gunicorn(env, args.workers, VAR_DIR / f"gunicorn-{database}.log")
    try:
        server.start()
        print(f"   gunicorn -w {args.workers} on {server.base_url}", flush=True)
        variants = request_variants(facts["assets_total"])
        endpoints = {}
        with httpx.Client(base_url=server.base_url, timeout=httpx.Timeout(30.0)) as client:
            facts["checks"] = check_responses(client, facts["assets_active"])
            for endpoint, count in (
                ("list_page", args.requests),
                ("api_list", args.requests),
                ("geojson", args.geojson_requests),
            ):
                t = time.perf_counter()
                load_before = os.getloadavg()[0]
                endpoints[endpoint] = time_endpoint(
                    client,
                    variants[endpoint],
                    count,
                    warmup=args.warmup if endpoint != "geojson" else 2,
                    max_seconds=args.max_seconds,
                    workers=args.workers,
                )
                r = endpoints[endpoint]
                # The machine's 1-minute load average: other work on it shows in the figures.
                r["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
                print(
                    f"   {endpoint:10} n={r['requests']:4} p50={r['p50_ms']:7.1f} ms "
                    f"p95={r['p95_ms']:7.1f} ms max={r['max_ms']:7.1f} ms "
                    f"failed={len(r['transport_errors'])} load={r['load_average_1min']} "
                    f"({time.perf_counter() - t:.0f} s)",
                    flush=True,
                )
    finally:
        server.stop()
    return {"facts": facts, "endpoints": endpoints}


def machine_info() -> dict:
    return _common.machine_info("gunicorn", "httpx")


def verdict(endpoint: str, r: dict) -> str:
    failed = len(r["transport_errors"]) + sum(
        n for status, n in r["statuses"].items() if not status.startswith("2")
    )
    if failed:
        return f"{'pass' if r['p95_ms'] < TARGETS_MS[endpoint] else 'MISS'}, {failed} failed"
    return "pass" if r["p95_ms"] < TARGETS_MS[endpoint] else "MISS"


def fmt_size(n: int | None) -> str:
    if n is None:
        return "-"
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MiB"
    return f"{n / 1024:.1f} KiB"


def markdown(results: dict) -> str:
    lines = [
        "| Database | Endpoint | Requests | p50 ms | p95 ms | max ms | Response size | Target (p95) | Result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for database, res in results["databases"].items():
        name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[database]
        label = f"{name} {res['facts']['db_version']}"
        for endpoint, r in res["endpoints"].items():
            size = (
                fmt_size(r["bytes_min"])
                if r["bytes_min"] == r["bytes_max"]
                else f"{fmt_size(r['bytes_min'])} to {fmt_size(r['bytes_max'])}"
            )
            lines.append(
                f"| {label} | {ENDPOINT_LABELS[endpoint]} | {r['requests']} | {r['p50_ms']:.1f} | "
                f"{r['p95_ms']:.1f} | {r['max_ms']:.1f} | {size} | < {TARGETS_MS[endpoint]:.0f} ms | "
                f"{verdict(endpoint, r)} |"
            )
    lines += [
        "",
        "| Database | Endpoint | Variant | Query | Requests | p50 ms | p95 ms | max ms | SQL queries |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for database, res in results["databases"].items():
        for endpoint, r in res["endpoints"].items():
            for name, v in r["variants"].items():
                query = "&".join(f"{k}={val}" for k, val in v["params"].items()) or "(none)"
                sql = res["facts"]["sql_queries"].get(f"{endpoint}/{name}", {}).get("queries", "")
                lines.append(
                    f"| {database} | {endpoint} | {name} | `{query}` | {v['requests']} | "
                    f"{v['p50_ms']:.1f} | {v['p95_ms']:.1f} | {v['max_ms']:.1f} | {sql} |"
                )
    return "\n".join(lines)


def _interrupted(signum, frame):
    """A SIGTERM takes the same way out as Ctrl-C, through the `finally` that stops gunicorn."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--assets", type=int, default=10_000, help="total assets (default 10000)")
    parser.add_argument(
        "--requests",
        type=int,
        default=200,
        help="timed requests to the list page and to the API list",
    )
    parser.add_argument("--geojson-requests", type=int, default=30)
    parser.add_argument(
        "--warmup", type=int, default=5, help="warm-up requests per variant and worker"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--max-seconds", type=float, default=90.0, help="time limit per endpoint (then it stops)"
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--output", type=Path, help="results JSON (default bench/results/<date>-assets.json)"
    )
    parser.add_argument("--prepare", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.prepare:  # the child process
        print(json.dumps(prepare(args.prepare, args.assets, args.seed)))
        return 0

    args.requests = max(1, min(args.requests, 5000))
    args.geojson_requests = max(1, min(args.geojson_requests, 500))
    signal.signal(signal.SIGTERM, _interrupted)

    started = dt.datetime.now().astimezone()
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = {
        "benchmark": "assets",
        "started_at": started.isoformat(timespec="seconds"),
        "parameters": {
            "assets": args.assets,
            "requests": args.requests,
            "geojson_requests": args.geojson_requests,
            "warmup_per_variant": args.warmup,
            "gunicorn_workers": args.workers,
            "seed": args.seed,
            "settings": "northstar.settings.deploy (NORTHSTAR_HTTPS=0, DEBUG off)",
            "client": "httpx, sequential requests, one at a time, from the same machine",
        },
        "targets_p95_ms": TARGETS_MS,
        "machine": machine_info(),
        "databases": {},
    }
    t = time.perf_counter()
    for database in databases:
        results["databases"][database] = run_database(database, args)
    results["duration_s"] = round(time.perf_counter() - t, 1)
    for res in results["databases"].values():
        res["verdicts"] = {e: verdict(e, r) for e, r in res["endpoints"].items()}

    output = args.output or RESULTS_DIR / f"{started.date().isoformat()}-assets.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(markdown(results))
    print(
        f"\nResults: {output.relative_to(REPO_DIR) if output.is_relative_to(REPO_DIR) else output}"
    )
    print(f"Total time: {results['duration_s']} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted (gunicorn stopped)")
