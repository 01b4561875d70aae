"""Output: the printed summary."""

from __future__ import annotations

from . import GOAL


def _load_text(phase: str, load: dict) -> str:
    busy, others = load.get("cpu_busy"), load.get("other_backends")
    text = f"{phase}: CPUs {busy:.0%} busy" if busy is not None else f"{phase}: CPUs ?"
    if others is not None:
        text += f", {others:.1f} other active backends"
    return text


def _ms(value) -> str:
    return f"{value:.3f} ms" if value is not None else "?"


def print_summary(s: dict) -> None:
    env, pg = s["environment"], s["environment"]["postgres"]
    led, pgb, setup, sql = s["ledger"], s["pgbench"], s["setup"], s["sql_stats"]
    lines = []
    w = lines.append
    n = s["clients"]
    w("=" * 88)
    w("Ledger benchmark: public ledger functions vs pgbench (TPC-B-like), same server")
    w("=" * 88)
    w(f"clients         {n} (ledger: processes with a connection each; pgbench -c {n} -j {n})")
    w(
        f"members         {s['members']}, {s['lots_per_member']} seed lots each "
        f"(channel {setup['channel']})"
    )
    analyze = f"; then ANALYZE {setup['analyze_seconds']:.1f} s"
    if setup["reused"]:
        w("setup           reused the accounts of an earlier run (--reuse)" + analyze)
    else:
        w(
            f"setup           {setup['calls']} public calls in "
            f"{setup['seconds']:.1f} s ({setup['calls_per_s']:.0f}/s, "
            f"{setup['workers']} processes, not timed)" + analyze
        )
    per = (
        f"{s['seconds_per_client']:g} s"
        if s["seconds_per_client"]
        else f"{s['ops_per_client']} ops"
    )
    then = f", then pgbench {s['rounds'][0]['pgbench']['seconds']} s" if pgb else ""
    w(f"durations       {len(s['rounds'])} round(s) of: ledger {per} per client{then}")
    if s["db_options"]:
        w(f"EXPERIMENT      ledger clients' DATABASES OPTIONS {s['db_options']}")
    w(f"code            saleor-rewards {env['git'] or '(no git)'}")
    w(f"postgres        {pg['server_version']}")
    w(
        f"                synchronous_commit={pg['synchronous_commit']} "
        f"(ledger sessions: {','.join(led['synchronous_commit'])}), "
        f"fsync={pg['fsync']}, wal_sync_method={pg['wal_sync_method']}, "
        f"shared_buffers={pg['shared_buffers']}"
    )
    w(
        f"machine         {env['cpus']} CPUs, load average {env['loadavg_before']} at "
        f"start; Python {env['python']}, Django {env['django']}, "
        f"psycopg {env['psycopg']}"
    )
    w(
        f"machine load    {_load_text('ledger', led['load'])}"
        + (f";  {_load_text('pgbench', pgb['load'])}" if pgb else "")
    )
    w("")
    head = (
        f"{'operation':<15}{'ops':>8}{'share':>7}{'ops/s':>9}"
        f"{'mean':>7}{'p50':>7}{'p95':>7}{'p99':>7}"
    )
    if sql:
        head += f"{'stmts':>7}{'in SQL':>8}{'COMMIT':>8}{'Python':>8}"
    w(head + ("" if sql else "   (latencies in ms)"))
    for op, r in [*led["by_type"].items(), ("total", led | {"share": None})]:
        line = (
            f"{op:<15}{r['ops']:>8}"
            + (f"{r['share']:>7.1%}" if r["share"] is not None else " " * 7)
            + f"{r['ops_per_s']:>9.1f}"
            + "".join(f"{r[k]:>7.2f}" for k in ("ms_mean", "ms_p50", "ms_p95", "ms_p99"))
        )
        if sql and r.get("statements_per_op") is not None:
            line += f"{r['statements_per_op']:>7.2f}" + "".join(
                f"{r[k]:>8.2f}" for k in ("ms_in_statements", "ms_in_commit", "ms_other")
            )
        w(line)
    if sql:
        w("  stmts: statements Django sends per op (psycopg adds BEGIN, COMMIT);")
        w("  in SQL: their time incl. BEGIN; COMMIT: incl. deferred triggers and the")
        w("  WAL flush; Python: the rest (ms per op)")
    w("")
    w(
        f"per op          {led['db_commits_per_op']:.3f} commits (rollbacks "
        f"{led['db_rollbacks']}), {led['wal_bytes_per_op']:.0f} WAL bytes"
        + (f" (pgbench: {pgb['wal_bytes_per_tx']:.0f} per tx)" if pgb else "")
        + ", WAL server-wide"
    )
    if led["client_cpu_ms_per_op"] is not None:
        w(
            f"CPU per op      {_ms(led['client_cpu_ms_per_op'])} in the Python client, "
            f"{_ms(led['backend_cpu_ms_per_op'])} in its backend "
            f"(latency mean {_ms(led['ms_mean'])})"
        )
    if pgb and pgb.get("client_cpu_ms_per_tx") is not None:
        w(
            f"CPU per tx      {_ms(pgb['client_cpu_ms_per_tx'])} in pgbench, "
            f"{_ms(pgb.get('backend_cpu_ms_per_tx'))} in its backend "
            f"(latency avg {_ms(pgb['latency_ms'])})"
        )
    if led["rejected"]:
        w(f"refused         {led['rejected']} (rolled back, not counted)")
    if led["errors"]:
        w(f"ERRORS          {led['errors']}")
    if led.get("statements"):
        w("")
        w("statements: count, mean ms (round trip included), statement")
        for st in led["statements"][:14]:
            w(f"  {st['count']:>8} {st['ms_mean']:>7.3f}  {st['statement']}")
    if s.get("functions"):
        w("")
        w("trigger functions (track_functions=pl) per ledger op: calls, total, self ms")
        for f in s["functions"]:
            calls, total, own = (f[k] / led["ops"] for k in ("calls", "total_ms", "self_ms"))
            w(f"  {f['function']:<32} {calls:>5.2f} {total:>7.3f} {own:>7.3f}")
    if led.get("profile_file"):
        w(f"profile         {led['profile_file']} (client 0, slowed by cProfile)")
    w("")
    if len(s["rounds"]) > 1:
        for r in s["rounds"]:
            line = f"round {r['round']:<10}ledger {r['ledger']['ops_per_s']:7.1f} ops/s"
            if r["pgbench"]:
                line += f"  pgbench {r['pgbench']['tps']:7.1f} tps  ratio {r['ratio']:.3f}"
            w(line)
            w(
                f"{'':16}{_load_text('ledger', r['ledger']['load'])}"
                + (f";  {_load_text('pgbench', r['pgbench']['load'])}" if r["pgbench"] else "")
            )
    w(f"LEDGER          {led['ops_per_s']:.1f} ops/s")
    if pgb:
        w(
            f"PGBENCH         {pgb['tps']:.1f} tps (scale {pgb['scale']}, "
            f"latency avg {_ms(pgb['latency_ms'])})"
        )
        verdict = "PASS" if s["pass"] else "FAIL"
        w(f"RATIO           {s['ratio']:.3f} (goal >= {GOAL}): {verdict}")
    else:
        w("PGBENCH         skipped (--no-pgbench): no ratio")
    audit = s["audit"]
    counts = ", ".join(f"{v} {k}" for k, v in audit["counts"].items())
    clean = audit["clean"]
    w(
        f"AUDIT           {counts}: "
        + ("clean, every balance is proven" if clean else f"{len(audit['drifts'])} DRIFT(S)")
    )
    lines.extend(f"  DRIFT {d}" for d in audit["drifts"][:20])
    if s.get("results_file"):
        w(f"results         {s['results_file']}")
    w("=" * 88)
    print("\n" + "\n".join(lines))
