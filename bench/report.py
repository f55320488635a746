"""The benchmark's outputs: one table (printed and kept in the JSON) and a PNG chart of latency against
offered load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TARGET_ACK_PER_S = 3000.0
TARGET_RATIO = 30.0
TARGET_FLOOR_RATIO = 1.0
TARGET_P99_MS = {250: 10.0, 1000: 20.0}
TARGET_P99_MS_AT_1000 = TARGET_P99_MS[1000]
TARGET_CPU_MS = 0.6
TARGET_RSS_MB = 150.0
TARGET_APPLY_PER_S = 1000.0
TARGET_DRAIN_P99_MS_AT_500 = 1000.0

# "floor": bench/floor.py committing each event; "floor, group": the same with group commit.
COLUMNS = ("figure", "sidecar", "floor", "floor, group", "PHP handler", "plugin proxy", "sidecar ÷ floor",
           "sidecar ÷ PHP", "target", "met?")


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _num(v: float | None, digits: int = 1) -> str:
    if v is None:
        return "—"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "—"
    r = a / b
    return f"{r:,.0f}\u00d7" if r >= 10 else f"{r:.2f}\u00d7"


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "NO")


def _rate_cell(phase: dict[str, Any] | None, key: str) -> tuple[str, float | None]:
    """A latency percentile of a fixed-rate phase; '*' marks a rate the server did not sustain."""
    if phase is None:
        return "—", None
    value = _get(phase, "latency_ms", key)
    text = _num(value)
    if not phase.get("sustained"):
        text += "*"
    return text, value


def table_rows(results: dict[str, Any]) -> list[dict[str, str]]:
    ph = results.get("phases", {})
    rows: list[dict[str, str]] = []

    def add(figure: str, **cells: str) -> None:
        keys = dict(zip(("sidecar", "floor", "floor_group", "php", "proxy", "r_floor", "r_php", "target", "met"),
                        COLUMNS[1:], strict=True))
        row = dict.fromkeys(COLUMNS, "—")
        row["figure"] = figure
        row.update({keys[k]: v for k, v in cells.items()})
        rows.append(row)

    sat = {k: ph.get(f"{k}_saturation") for k in ("sidecar", "floor", "floor_group", "php", "proxy")}
    tp = {k: _get(v, "throughput_per_s") for k, v in sat.items()}
    floor_ratio = tp["sidecar"] / tp["floor"] if tp["sidecar"] is not None and tp["floor"] else None
    add("durable-ack throughput at saturation (events/s)", **{k: _num(v) for k, v in tp.items()},
        r_floor=_ratio(tp["sidecar"], tp["floor"]), r_php=_ratio(tp["sidecar"], tp["php"]),
        target=f"≥ {TARGET_ACK_PER_S:,.0f}", met=_met(None if tp["sidecar"] is None
                                                     else tp["sidecar"] >= TARGET_ACK_PER_S))
    add("  throughput, sidecar ÷ floor (one commit per event)", r_floor=_ratio(tp["sidecar"], tp["floor"]),
        target=f"≥ {TARGET_FLOOR_RATIO:.1f}\u00d7",
        met=_met(None if floor_ratio is None else floor_ratio >= TARGET_FLOOR_RATIO))
    ratio = tp["sidecar"] / tp["php"] if tp["sidecar"] is not None and tp["php"] else None
    add("  throughput, sidecar ÷ PHP handler", r_php=_ratio(tp["sidecar"], tp["php"]),
        target=f"≥ {TARGET_RATIO:.0f}\u00d7", met=_met(None if ratio is None else ratio >= TARGET_RATIO))
    for key, label in (("50", "p50"), ("99", "p99")):
        vals = {k: _get(v, "latency_ms", key) for k, v in sat.items()}
        add(f"  latency at saturation {label} (ms, closed loop)", **{k: _num(v) for k, v in vals.items()},
            r_floor=_ratio(vals["sidecar"], vals["floor"]), r_php=_ratio(vals["sidecar"], vals["php"]))

    rates = {k: ph.get(f"{k}_rates") or {} for k in ("sidecar", "floor", "floor_group", "php")}
    for rate in sorted({int(r) for group in rates.values() for r in group}):
        for key in ("p50", "p99"):
            cells = {k: _rate_cell(group.get(str(rate)), key) for k, group in rates.items()}
            s_val = cells["sidecar"][1]
            target, met = "—", "—"
            if key == "p99" and rate in TARGET_P99_MS:
                target = f"≤ {TARGET_P99_MS[rate]:.0f}"
                s_phase = rates["sidecar"].get(str(rate))
                met = _met(None if s_val is None else bool(s_val <= TARGET_P99_MS[rate]
                                                           and s_phase and s_phase.get("sustained")))
            add(f"ack latency {key} at {rate}/s offered (ms)", **{k: c[0] for k, c in cells.items()},
                r_floor=_ratio(s_val, cells["floor"][1]), r_php=_ratio(s_val, cells["php"][1]), target=target,
                met=met)
    x_rate = ph.get("proxy_rate")
    if x_rate:
        p50, _ = _rate_cell(x_rate, "p50")
        p99, _ = _rate_cell(x_rate, "p99")
        add(f"ack latency p50 / p99 at {x_rate['offered_rate']:.0f}/s offered (ms)", proxy=f"{p50} / {p99}")

    server = {"sidecar": _get(sat["sidecar"], "cpu_ms_per_event", "sidecar"),
              "floor": _get(sat["floor"], "cpu_ms_per_event", "floor"),
              "floor_group": _get(sat["floor_group"], "cpu_ms_per_event", "floor"),
              "php": _get(sat["php"], "cpu_ms_per_event", "php")}
    x_parts = [_get(sat["proxy"], "cpu_ms_per_event", k) for k in ("php", "sidecar")]
    server["proxy"] = sum(v for v in x_parts if v is not None) if any(v is not None for v in x_parts) else None
    db_cpu = {k: _get(v, "cpu_ms_per_event", "mariadb") for k, v in sat.items()}
    both = server["sidecar"] + db_cpu["sidecar"] if server["sidecar"] is not None and db_cpu["sidecar"] is not None \
        else None
    add("server CPU per acked event at saturation (ms)", **{k: _num(v, 2) for k, v in server.items()},
        r_floor=_ratio(server["sidecar"], server["floor"]), r_php=_ratio(server["sidecar"], server["php"]))
    add("  MariaDB CPU per acked event (ms)", **{k: _num(v, 2) for k, v in db_cpu.items()},
        r_floor=_ratio(db_cpu["sidecar"], db_cpu["floor"]), r_php=_ratio(db_cpu["sidecar"], db_cpu["php"]))
    add("  server + MariaDB CPU per acked event (ms)", sidecar=_num(both, 2), target=f"≤ {TARGET_CPU_MS:.1f}",
        met=_met(None if both is None else both <= TARGET_CPU_MS))
    rss = _get(sat["sidecar"], "sidecar_peak_rss_mb")
    add("sidecar peak RSS after saturation (MB)", sidecar=_num(rss), target=f"< {TARGET_RSS_MB:.0f}",
        met=_met(None if rss is None else rss < TARGET_RSS_MB))

    apply = ph.get("sidecar_apply_backlog")
    a_tp = _get(apply, "apply_per_s")
    add("apply throughput, draining a backlog (events/s)", sidecar=_num(a_tp), target=f"≥ {TARGET_APPLY_PER_S:,.0f}",
        met=_met(None if a_tp is None else a_tp >= TARGET_APPLY_PER_S and bool(apply and apply.get("drained"))))
    add("  applied during the saturation run (events/s)", sidecar=_num(_get(sat["sidecar"], "apply_during_load_per_s")))
    drain = _get(rates["sidecar"].get("500"), "drain")
    for key in ("p50", "p99"):
        v = _get(drain, "lag_ms", key)
        target, met = "—", "—"
        if key == "p99":
            target = f"≤ {TARGET_DRAIN_P99_MS_AT_500:,.0f}"
            met = _met(None if v is None else bool(v <= TARGET_DRAIN_P99_MS_AT_500 and drain.get("drained")))
        add(f"drain lag {key} at 500/s offered (ms)",
            sidecar=_num(v) + ("" if not drain or drain.get("drained") else "*"), target=target, met=met)

    def checks(*phases: Any) -> str:
        present = [x for x in phases if isinstance(x, dict) and "checks" in x]
        if not present:
            return "—"
        bad = [k for x in present for k, v in x["checks"].items() if v is False]
        return "ok" if not bad else "FAIL"

    def rate_errors(group: dict[str, Any]) -> str:
        if not group:
            return "—"
        return str(sum(sum(x.get("errors", {}).values()) + sum(
            n for code, n in x.get("statuses", {}).items() if code != "200") for x in group.values()))

    apply_statuses = _get(apply, "events_by_status") or {}
    if apply_statuses:
        add("  backlog outcome (applied / superseded / ignored / still pending)",
            sidecar=" / ".join(str(apply_statuses.get(k, 0)) for k in ("applied", "superseded", "ignored", "pending")))
    verdicts = {k: checks(v) for k, v in sat.items()}
    add("saturation: all 200, stored = accepted, one delivery row per answer", **verdicts,
        met=_met(None if verdicts["sidecar"] == "—" else all(c in ("ok", "—") for c in verdicts.values())))
    add("fixed rates: answers that were not 200 (timeouts, errors)", **{k: rate_errors(g) for k, g in rates.items()},
        proxy=rate_errors({"x": x_rate}) if x_rate else "—")
    return rows


def render(results: dict[str, Any]) -> str:
    rows = results.get("table") or table_rows(results)
    widths = [max(len(c), *(len(r[c]) for r in rows)) for c in COLUMNS]

    def line(cells: list[str]) -> str:
        return " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                            strict=True)))

    m = results.get("machine", {})
    out = [
        "",
        f"fct-bridge webhook benchmark {results.get('run_id', '')} — {m.get('cores')} cores ({m.get('cpu_model')}), "
        f"load average at start {', '.join(f'{x:.2f}' for x in m.get('load_average_at_start', []))}",
        f"sidecar: 1 process, {m.get('sidecar_apply_workers')} apply loops; PHP: {m.get('php_server')} "
        f"({m.get('php_workers')} workers), WordPress {m.get('wordpress')}; MariaDB "
        f"{_get(m, 'mariadb', 'version')} (innodb_flush_log_at_trx_commit="
        f"{_get(m, 'mariadb', 'innodb_flush_log_at_trx_commit')}); load generators on the same machine",
        "",
        line(list(COLUMNS)),
        "-+-".join("-" * w for w in widths),
    ]
    out += [line([r[c] for c in COLUMNS]) for r in rows]
    out.append("")
    out.append("* not sustained: not every answer was a 200, answers fell behind the offered rate by more than 5 %, "
               "or sending stopped early because the server fell 2 s behind; for drain lag: the backlog was not "
               "drained in time. See the JSON.")
    hot = _get(results, "phases", "profile", "hot_spots")
    if hot and hot.get("samples"):
        out.append("")
        out.append(f"py-spy on the sidecar at saturation ({hot['samples']} samples), top self time:")
        out += [f"  {x['share'] * 100:5.1f}%  {x['frame']}" for x in hot["self"][:10]]
        out.append("  by package (self time): " + ", ".join(f"{x['frame']} {x['share'] * 100:.0f}%"
                                                           for x in hot["by_package"][:8]))
    return "\n".join(out)


def chart(results: dict[str, Any], path: Path) -> str | None:
    """Latency (p50 dashed, p99 solid) against offered rate, per target; None when written, else why not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        return f"matplotlib is not installed ({exc})"
    ph = results.get("phases", {})
    series = [("sidecar", ph.get("sidecar_rates") or {}, "tab:blue"),
              ("floor", ph.get("floor_rates") or {}, "tab:grey"),
              ("floor, group commit", ph.get("floor_group_rates") or {}, "tab:purple"),
              ("PHP handler", ph.get("php_rates") or {}, "tab:orange")]
    if ph.get("proxy_rate"):
        series.append(("plugin proxy", {str(ph["proxy_rate"]["offered_rate"]): ph["proxy_rate"]}, "tab:green"))
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=120)
    drawn = False
    for name, phases, color in series:
        points = sorted((float(r), p) for r, p in phases.items())
        if not points:
            continue
        for key, style in (("p99", "-"), ("p50", "--")):
            xs = [r for r, p in points if _get(p, "latency_ms", key) is not None]
            ys = [_get(p, "latency_ms", key) for r, p in points if _get(p, "latency_ms", key) is not None]
            ax.plot(xs, ys, style, color=color, marker="o", label=f"{name} {key}")
            bad = [(r, _get(p, "latency_ms", key)) for r, p in points if not p.get("sustained")
                   and _get(p, "latency_ms", key) is not None]
            if bad:
                ax.scatter([b[0] for b in bad], [b[1] for b in bad], marker="x", s=90, color="red", zorder=5)
            drawn = True
    if not drawn:
        plt.close(fig)
        return "no fixed-rate phase ran"
    ax.axhline(TARGET_P99_MS_AT_1000, color="grey", linestyle=":", linewidth=1)
    ax.annotate(f"target: sidecar p99 ≤ {TARGET_P99_MS_AT_1000:.0f} ms at 1,000/s", (1, TARGET_P99_MS_AT_1000),
                xycoords=("axes fraction", "data"), ha="right", va="bottom", fontsize=8, color="grey")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("offered load (deliveries/s, open loop)")
    ax.set_ylabel("ack latency from scheduled send (ms)")
    m = results.get("machine", {})
    ax.set_title(f"Stripe webhook ack latency vs offered load — {results.get('run_id', '')}\n"
                 f"{m.get('cores')} cores, {m.get('cpu_model')}; PHP: {m.get('php_server')}; "
                 "red \u00d7 = not sustained",
                 fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return None
