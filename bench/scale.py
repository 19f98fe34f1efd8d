"""Section ``scale``: generated tenants of growing size: load time, memory and latencies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from benchlib import (
    Table,
)
from benchworkers import scale_size
from harness import SEED, SectionResult, Target, child, fmt, ratio, receive

if TYPE_CHECKING:
    from run import Config

METHOD = {
    "scale": (
        "Each size in a fresh spawned process: users generated (deterministic seed) in the "
        "fixture format, Fixtures(default directories and clients, generated users); load time "
        "= Tenant(fixtures, profile=Profile(auth_required=False)) construction; memory = RSS "
        "delta across that construction from /proc/self/statm after gc.collect() (resident "
        "memory, not tracemalloc); latencies through Flask's test client (end to end without "
        "a socket), medians over varied inputs (a stride through the users), each operation "
        "bounded by a sample count and a time budget (at least 3 samples)."
    ),
}


SCALE_OPS = (
    ("get_by_id", "get by id"),
    ("username_eq", "userName eq"),
    ("externalid_eq", "externalId eq"),
    ("familyname_co", 'name.familyName co "..." (count=20)'),
    ("sorted_page", "sortBy=userName, page of 20"),
    ("patch_title", "PATCH title"),
    ("group_name_eq", "groups: displayName eq (of 21 groups)"),
    ("group_member_add_remove", "groups: add + remove a member (2 PATCHes)"),
)
SCALE_TARGETED = ("get_by_id", "username_eq", "externalid_eq")


def section_scale(cfg: Config) -> SectionResult:
    sizes: dict[str, Any] = {}
    for count in cfg.scale_sizes:
        budget = cfg.scale_budget * 6 + 120 + count / 1000
        with child(
            scale_size,
            count,
            SEED,
            cfg.scale_samples,
            cfg.scale_budget,
            count == cfg.scale_sizes[0],
        ) as (_process, conn):
            sizes[str(count)] = receive(conn, budget, f"scale {count}")
    labels = [f"{int(k):,}" for k in sizes]
    small, large = cfg.scale_sizes[0], cfg.scale_sizes[-1]
    ratio_label = f"{large // 1000}k/{small // 1000}k" if small >= 1000 else f"{large}/{small}"
    table = Table(
        "scale: generated tenants, Flask test client (auth off, no socket), median µs",
        ["measure", *labels, ratio_label],
    )
    first, last = sizes[str(small)], sizes[str(large)]
    table.add(
        "load: Tenant(fixtures) s",
        *[fmt(s["load_s"], 3) for s in sizes.values()],
        fmt(ratio(last["load_s"], first["load_s"]), 1) + "x",
    )
    table.add(
        "memory: RSS delta MB",
        *[fmt(s["rss_delta_mb"], 1) for s in sizes.values()],
        fmt(ratio(last["rss_delta_mb"], first["rss_delta_mb"]), 1) + "x",
    )
    ratios: dict[str, float | None] = {}
    targets: list[Target] = []
    for key, label in SCALE_OPS:
        r = ratio(last["ops"][key]["median_us"], first["ops"][key]["median_us"])
        ratios[key] = r
        flag = ""
        if key in SCALE_TARGETED and r is not None and r > 1.5:
            flag = "  MISS"
        table.add(
            label,
            *[fmt(s["ops"][key]["median_us"], 0) for s in sizes.values()],
            fmt(r, 2) + "x" + flag,
        )
        if key in SCALE_TARGETED:
            targets.append(
                Target(
                    f"scale: {label} {ratio_label}",
                    r,
                    "<= 1.5",
                    None if r is None else r <= 1.5,
                )
            )
    table.notes.append(
        "samples per op: "
        + ", ".join(f"{k}: {min(v['n'] for v in s['ops'].values())}+" for k, s in sizes.items())
        + "; sorted page startIndex=min(5000, size-20); memory: RSS (/proc/self/statm) delta"
    )
    if sizes[str(small)].get("validated"):
        table.notes.append(
            f"the {small:,} generated users pass mockscim's fixture validation (validate_users)"
        )
    data = {"sizes": sizes, "ratios": {"label": ratio_label, **ratios}}
    return SectionResult(data, [table], targets)
