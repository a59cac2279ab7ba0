#!/usr/bin/env python3
"""The replicas chaos test: three `patchpilot serve` replicas behind nginx on one PostgreSQL,
a fleet of simulated agents (`patchpilot simulate --follow-plans`: real HTTP, real Ed25519
signatures, plans verified against the pinned key), and a rollout across two environments.
While it runs: one replica is stopped (SIGSTOP) for two lease periods and continued, another is
killed (SIGKILL) while it holds the rollout's tick lease and restarted, and PostgreSQL restarts.

Afterwards it checks: every host task reached a final state and its host applied exactly one plan
(the task's), no host outside the rollout applied any, the rollout completed and the change with
it, the audit chain verifies, and no agent saw errors for longer than the PostgreSQL restart
(plus one retry). It prints the figures and exits non-zero on any failed check.

Usage: chaos.py BIN_DIR   (environment: CHAOS_PG_URL, CHAOS_PG_DIR, CHAOS_PG_BIN, CHAOS_PG_RUN,
CHAOS_AGENTS, CHAOS_WORK)
"""
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BIN = sys.argv[1]
PATCHPILOT = os.path.join(BIN, "patchpilot")
PG_URL = os.environ["CHAOS_PG_URL"]  # …/postgres on a throwaway cluster
PG_DIR = os.environ["CHAOS_PG_DIR"]
PG_BIN = os.environ["CHAOS_PG_BIN"]
PG_RUN = shlex.split(os.environ.get("CHAOS_PG_RUN", ""))
AGENTS = int(os.environ.get("CHAOS_AGENTS", "220"))
LEASE = 5
TICK = 2
WORK = os.environ.get("CHAOS_WORK") or tempfile.mkdtemp(prefix="patchpilot-chaos.")
# nginx workers run as an unprivileged user: they must reach the request-body directory in here.
os.chmod(WORK, 0o755)
HERE = os.path.dirname(os.path.abspath(__file__))
START = time.monotonic()
failures = []


def log(message):
    print(f"[{time.monotonic() - START:6.1f}s] {message}", flush=True)


def check(condition, message):
    if not condition:
        failures.append(message)
        log(f"FAIL: {message}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(arguments, check_status=True):
    result = subprocess.run(arguments, capture_output=True, text=True)
    if check_status and result.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} exited {result.returncode}: {result.stderr}{result.stdout}")
    return result


def psql(sql, database_url):
    return run([os.path.join(PG_BIN, "psql"), "-Atq", database_url, "-c", sql]).stdout.strip()


DATABASE = PG_URL.rsplit("/", 1)[0] + "/chaos"
psql("DROP DATABASE IF EXISTS chaos", PG_URL)
psql("CREATE DATABASE chaos", PG_URL)


class Replica:
    def __init__(self, number):
        self.id = f"r{number}"
        self.port = free_port()
        self.process = None
        self.starts = 0

    def start(self):
        self.starts += 1
        out = open(os.path.join(WORK, f"{self.id}.log"), "a")
        self.process = subprocess.Popen(
            [PATCHPILOT, "serve", "--database", DATABASE, "--data-dir", os.path.join(WORK, self.id),
             "--listen", f"127.0.0.1:{self.port}", "--replica-id", self.id, "--lease-seconds", str(LEASE),
             "--rollout-tick", str(TICK), "--check-in-interval", "60", "--log-level", "notice"],
            stdout=out, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"replica {self.id} exited with {self.process.returncode}; see {WORK}/{self.id}.log")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"replica {self.id} not ready after {timeout} s")

    def signal(self, number):
        self.process.send_signal(number)


def api(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{BASE}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {token or ADMIN}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for attempt in range(30):
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            if error.code >= 500 and attempt < 29:
                time.sleep(1)
                continue
            raise RuntimeError(f"{method} {path}: {error.code} {error.read()[:500]!r}")
        except (OSError, urllib.error.URLError):
            if attempt == 29:
                raise
            time.sleep(1)


def cli(arguments, token=None):
    return run([PATCHPILOT] + arguments + ["--server", BASE, "--token", token or ADMIN]).stdout.strip()


# --- Three replicas started together (migrations run once, under the advisory lock), nginx in front.
replicas = [Replica(n) for n in (1, 2, 3)]
for replica in replicas:
    replica.start()
for replica in replicas:
    replica.wait_ready()
log(f"3 replicas up on ports {', '.join(str(r.port) for r in replicas)} (lease {LEASE} s, tick {TICK} s)")
nginx_port = free_port()
nginx_dir = os.path.join(WORK, "nginx")
os.makedirs(nginx_dir, exist_ok=True)
template = open(os.path.join(HERE, "nginx.conf.template")).read()
config = template.replace("@DIR@", nginx_dir).replace("@PORT@", str(nginx_port))
for index, replica in enumerate(replicas, 1):
    config = config.replace(f"@PORT{index}@", str(replica.port))
open(os.path.join(nginx_dir, "nginx.conf"), "w").write(config)
run(["nginx", "-c", os.path.join(nginx_dir, "nginx.conf"), "-p", nginx_dir])
BASE = f"http://127.0.0.1:{nginx_port}"
log(f"nginx on {BASE}")

simulator = None


def cleanup():
    for replica in replicas:
        if replica.process and replica.process.poll() is None:
            replica.process.send_signal(signal.SIGCONT)
            replica.process.kill()
    if simulator and simulator.poll() is None:
        simulator.kill()
    pid_file = os.path.join(nginx_dir, "nginx.pid")
    if os.path.exists(pid_file):
        try:
            os.kill(int(open(pid_file).read().strip()), signal.SIGTERM)
        except (OSError, ValueError):
            pass


try:
    ADMIN = run([PATCHPILOT, "token", "create", "--database", DATABASE, "--user", "admin"]).stdout.strip()
    enrollment = run([PATCHPILOT, "enroll-token", "create", "--database", DATABASE,
                      "--uses", str(AGENTS + 5)]).stdout.strip()

    # --- The fleet: simulated agents through nginx, checking in every 2 s and running plans.
    hosts_file = os.path.join(WORK, "hosts.json")
    summary_file = os.path.join(WORK, "summary.json")
    stop_file = os.path.join(WORK, "stop")
    simulator = subprocess.Popen(
        [PATCHPILOT, "simulate", "--server", BASE, "--enroll-token", enrollment, "--agents", str(AGENTS),
         "--concurrency", "4", "--follow-plans", "--interval", "2", "--until-file", stop_file,
         "--duration", "1500", "--hosts-file", hosts_file, "--summary-file", summary_file],
        stdout=open(os.path.join(WORK, "simulate.log"), "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 600
    while not os.path.exists(hosts_file):
        if simulator.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the simulator did not enroll its agents; see {WORK}/simulate.log")
        time.sleep(0.5)
    hosts = json.load(open(hosts_file))
    log(f"{len(hosts)} simulated agents enrolled through nginx")
    if len(hosts) != AGENTS:
        raise RuntimeError(f"only {len(hosts)} of {AGENTS} agents enrolled; see {WORK}/simulate.log")

    # --- Two environments by label, a window open around the clock.
    environment_of = {}
    for host in hosts:
        environment = "prod" if ".prod." in host["hostname"] else "staging"
        environment_of[host["hostID"]] = environment
        api("PUT", f"/api/v1/hosts/{host['hostID']}/labels", {"labels": {"env": environment}, "tags": []})
    policy = (
        "environments: [staging, prod]\n"
        "groups:\n"
        "  - name: staging\n    labels: {env: staging}\n    tier: staging\n    environment: staging\n"
        "  - name: prod\n    labels: {env: prod}\n    tier: production-services\n    environment: prod\n"
    )
    calendar = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//chaos//EN", "BEGIN:VEVENT", "UID:always@chaos",
        "SUMMARY:always", "DTSTART:20260101T000000Z", "DURATION:PT48H", "RRULE:FREQ=DAILY",
        "X-PATCHPILOT-CUTOFF:0", "END:VEVENT", "END:VCALENDAR", ""])
    api("POST", "/api/v1/policy", {"files": [{"name": "policy.yaml", "text": policy},
                                             {"name": "always.ics", "text": calendar}],
                                   "reason": "chaos test", "dryRun": False})

    # --- A change through CAB, then its rollout: a canary per environment, then tier waves.
    change = cli(["change", "create", "--title", "chaos: openssl", "--package", "openssl=9.9.9-1",
                  "--window", "always", "--environment", "staging", "--environment", "prod",
                  "--rollback-plan", "reinstall the previous openssl"])
    cli(["change", "submit", change])
    for number in (1, 2, 3):
        run([PATCHPILOT, "admin", "create-user", "--database", DATABASE, "--username", f"cab{number}",
             "--role", "approver"])
        cab = run([PATCHPILOT, "token", "create", "--database", DATABASE, "--user", f"cab{number}"]).stdout.strip()
        cli(["change", "approve", change, "--comment", "chaos CAB"], token=cab)
        if api("GET", f"/api/v1/changes/{change}")["change"]["state"] == "approved":
            break
    options = os.path.join(WORK, "options.json")
    json.dump({"reboot": "never"}, open(options, "w"))
    rollout_started = time.monotonic()
    rollout = cli(["rollout", "start", change, "--canary", "1", "--max-concurrency", "25%",
                   "--options-file", options])
    log(f"{change} approved; rollout {rollout} started")

    def view():
        return api("GET", f"/api/v1/rollouts/{rollout}")

    def tick_owner():
        return psql(f"SELECT coalesce(tick_owner, '') FROM rollouts WHERE id = '{rollout}'", DATABASE)

    def leader():
        return psql("SELECT owner FROM leases WHERE name = 'leader'", DATABASE)

    def progress(v):
        tasks = v.get("tasks") or []
        done = sum(1 for t in tasks if t["state"] == "succeeded")
        return done / max(1, len(tasks))

    finished = {"completed", "rolled-back", "failed", "aborted"}
    figures = {}
    stopped = killed = None
    pg_restarted = False
    deadline = time.monotonic() + 1200
    while True:
        v = view()
        if v["state"] in finished:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"rollout {rollout} still {v['state']} after 1200 s: {v.get('reason')}")
        share = progress(v)
        by_id = {r.id: r for r in replicas}
        if stopped is None and share > 0.05:
            owner = tick_owner() or leader()
            stopped = by_id.get(owner, replicas[0])
            before = (tick_owner(), leader())
            log(f"SIGSTOP {stopped.id} (tick owner {before[0] or '-'}, leader {before[1]}) for {2 * LEASE + 2} s")
            stopped.signal(signal.SIGSTOP)
            time.sleep(2 * LEASE + 2)
            after = (tick_owner(), leader())
            log(f"  while {stopped.id} was stopped: tick owner {after[0] or '-'}, leader {after[1]}")
            figures["takeover"] = f"tick owner {before[0] or '-'} -> {after[0] or '-'}, leader {before[1]} -> {after[1]}"
            check(after[1] != stopped.id, f"the leader lease stayed with stopped replica {stopped.id}")
            check(after[0] != stopped.id or v["state"] != "running",
                  f"the tick lease stayed with stopped replica {stopped.id}")
            stopped.signal(signal.SIGCONT)
            log(f"SIGCONT {stopped.id}")
        elif stopped is not None and killed is None and share > 0.3:
            owner = tick_owner()
            candidates = [r for r in replicas if r is not stopped]
            killed = by_id.get(owner) if owner in by_id and by_id[owner] is not stopped else candidates[0]
            log(f"SIGKILL {killed.id} (tick owner {owner or '-'}) and restart it")
            killed.signal(signal.SIGKILL)
            killed.process.wait()
            time.sleep(1)
            killed.start()
            killed.wait_ready()
            log(f"  {killed.id} restarted")
        elif killed is not None and not pg_restarted and share > 0.55:
            log("restarting PostgreSQL (pg_ctl restart -m fast)")
            began = time.monotonic()
            # -l: the restarted server must not inherit our pipe (run() would wait for it to close).
            subprocess.run(PG_RUN + [os.path.join(PG_BIN, "pg_ctl"), "-D", os.path.join(PG_DIR, "data"), "-m", "fast",
                                     "-l", os.path.join(PG_DIR, "server.log"), "-w", "-t", "60", "restart"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            figures["pg_restart"] = time.monotonic() - began
            pg_restarted = True
            log(f"  PostgreSQL back after {figures['pg_restart']:.1f} s")
        time.sleep(1)
    rollout_seconds = time.monotonic() - rollout_started
    log(f"rollout {rollout} {v['state']} after {rollout_seconds:.0f} s")
    check(stopped is not None and killed is not None and pg_restarted,
          "the rollout finished before every fault was injected (stop, kill, PostgreSQL restart)")

    # --- Let every agent check in once more (nothing must be left for anyone), then stop the fleet.
    time.sleep(6)
    open(stop_file, "w").close()
    simulator.wait(timeout=120)
    summary = json.load(open(summary_file))
    log(open(os.path.join(WORK, "simulate.log")).read().strip().splitlines()[-1])

    # --- Checks.
    final = view()
    tasks = final.get("tasks") or []
    check(final["state"] == "completed", f"rollout ended {final['state']}: {final.get('reason')}")
    check(len(tasks) == len(hosts), f"{len(tasks)} tasks for {len(hosts)} hosts")
    not_final = [t for t in tasks if t["state"] != "succeeded"]
    check(not not_final, f"{len(not_final)} tasks not succeeded: {not_final[:3]}")
    check(all(w["state"] == "passed" for w in final["waves"]), f"waves: {[(w['name'], w['state']) for w in final['waves']]}")
    change_state = api("GET", f"/api/v1/changes/{change}")["change"]["state"]
    check(change_state == "completed", f"change {change} is {change_state}")
    applied = {h["hostID"]: h for h in summary["hosts"]}
    task_plan = {t["hostID"]: t.get("planID") for t in tasks}
    twice = [h for h, r in applied.items() if len(r["applications"]) > 1]
    never = [h for h in task_plan if len(applied.get(h, {}).get("applications", [])) == 0]
    stray = [h for h, r in applied.items() if h not in task_plan and r["applications"]]
    wrong = [h for h, plan in task_plan.items()
             if applied.get(h, {}).get("applications") and applied[h]["applications"][0]["planID"] != plan]
    check(not twice, f"{len(twice)} hosts applied more than one plan: "
                     f"{[(h, [a['planID'] for a in applied[h]['applications']]) for h in twice[:3]]}")
    check(not never, f"{len(never)} hosts with a task applied no plan: {never[:3]}")
    check(not stray, f"{len(stray)} hosts outside the rollout applied a plan")
    check(not wrong, f"{len(wrong)} hosts applied another plan than their task's")
    refusals = [r for h in summary["hosts"] for r in h["refusals"]]
    check(not refusals, f"{len(refusals)} plans refused by agents: {refusals[:3]}")
    client_errors = [e for h in summary["hosts"] for e in h["clientErrors"]]
    check(not client_errors, f"{len(client_errors)} 4xx answers to agents: {client_errors[:3]}")
    verify = run([PATCHPILOT, "audit", "verify", "--database", DATABASE], check_status=False)
    check(verify.returncode == 0, f"patchpilot audit verify failed: {verify.stdout}{verify.stderr}")
    longest = max(h["longestOutage"] for h in summary["hosts"])
    streak = max(h["longestErrorStreak"] for h in summary["hosts"])
    # An agent retries within a second, so it can see errors for one retry longer than the
    # database was away: the bound is the restart plus 2 s.
    bound = figures.get("pg_restart", 0) + 2
    check(streak <= bound, f"an agent kept seeing errors for {streak:.1f} s, longer than the restart ({bound:.1f} s allowed)")
    repeated = sum(h["repeatedDeliveries"] for h in summary["hosts"])
    requests = sum(h["requests"] for h in summary["hosts"])
    server_errors = sum(h["serverErrors"] for h in summary["hosts"])
    transport = sum(h["transportErrors"] for h in summary["hosts"])
    events = psql("SELECT count(*) FROM events", DATABASE)
    starts = ", ".join(f"{r.id} started {r.starts}x" for r in replicas)

    print()
    print("chaos figures")
    print(f"  agents {len(hosts)} ({sum(1 for e in environment_of.values() if e == 'staging')} staging, "
          f"{sum(1 for e in environment_of.values() if e == 'prod')} prod); 3 replicas ({starts}); lease {LEASE} s")
    print(f"  rollout {rollout}: {final['state']} in {rollout_seconds:.0f} s, {len(final['waves'])} waves, "
          f"{len(tasks)} tasks, change {change_state}")
    print(f"  plans applied {sum(len(h['applications']) for h in summary['hosts'])} "
          f"(hosts applying twice {len(twice)}, never {len(never)}), re-served after apply {repeated}")
    print(f"  faults: SIGSTOP {stopped.id if stopped else '-'} {2 * LEASE + 2} s ({figures.get('takeover', '-')}); "
          f"SIGKILL {killed.id if killed else '-'} + restart; PostgreSQL restart {figures.get('pg_restart', 0):.1f} s")
    print(f"  agent requests {requests}, 5xx {server_errors}, without answer {transport}, "
          f"longest error streak {streak:.1f} s (allowed {bound:.1f} s), longest wait for a success {longest:.1f} s")
    print(f"  audit events {events}, audit verify: {'ok' if verify.returncode == 0 else 'FAILED'}")
    if failures:
        print(f"chaos test: {len(failures)} checks failed (logs in {WORK})")
        sys.exit(1)
    print("chaos test: passed")
finally:
    cleanup()
