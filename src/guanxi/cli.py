"""The ``guanxi`` command: works before configuration exists, passes the rest to Django.

    guanxi version                 print the version
    guanxi init [PATH]             write an environment file with a fresh secret key
    guanxi upgrade                 migrate the database and collect static files
    guanxi serve [--host H] [--port P] [--workers N] [--no-worker]
                                   run the ASGI server (web + websockets) and a task worker
    guanxi worker                  run a background task worker
    guanxi demo --size small|large load demo data
    guanxi <django command> …      any Django management command (createsuperuser, token, …)
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

from guanxi import __version__


def _manage(argv: list[str], source: str = "cli") -> None:
    """Run a Django command; what it changes is audited as coming from ``source``.

    ``cli`` for an operator's command, ``job`` for the task worker; a command that knows better
    (an import) sets its own, narrower source inside.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guanxi.settings")
    from django.core.management import execute_from_command_line

    from guanxi.framework.context import change_source

    with change_source(source, detail=" ".join(["guanxi", *argv])[:200]):
        execute_from_command_line(["guanxi", *argv])


def cmd_init(args) -> int:
    path = Path(args.path)
    if path.exists() and not args.force:
        print(f"{path} exists; use --force to overwrite it.", file=sys.stderr)
        return 1
    path.write_text(
        "# Guanxi configuration (see docs/deploy.md). Load it into the environment of every process.\n"
        f"GUANXI_SECRET_KEY={secrets.token_urlsafe(50)}\n"
        "GUANXI_DATABASE_URL=sqlite:///var/guanxi.sqlite3\n"
        "# GUANXI_DATABASE_URL=postgres://guanxi:PASSWORD@127.0.0.1:5432/guanxi\n"
        "# GUANXI_REDIS_URL=redis://127.0.0.1:6379/0\n"
        "# GUANXI_TASK_BACKEND=rq\n"
        "GUANXI_TIME_ZONE=Asia/Shanghai\n"
        "GUANXI_LANGUAGE=zh-hans\n"
        "GUANXI_ALLOWED_HOSTS=127.0.0.1,localhost\n"
    )
    path.chmod(0o600)
    print(f"Wrote {path}. Next: load it into your environment, then run 'guanxi upgrade'.")
    return 0


def cmd_upgrade(args) -> int:
    _manage(["migrate", "--noinput"])
    _manage(["collectstatic", "--noinput", "--verbosity", "0"])
    return 0


def cmd_worker(args) -> int:
    if os.environ.get("GUANXI_TASK_BACKEND") == "rq":
        _manage(["rqworker", "default", "--job-class", "django_tasks_rq.Job"], source="job")
    else:
        _manage(["db_worker", "--queue-name", "*", "--interval", str(args.interval)], source="job")
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    worker = None
    if not args.no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "guanxi", "worker"])
    try:
        uvicorn.run(
            "guanxi.asgi:application", host=args.host, port=args.port, workers=args.workers,
            log_level=os.environ.get("GUANXI_LOG_LEVEL", "warning").lower(), proxy_headers=True,
            forwarded_allow_ips=os.environ.get("GUANXI_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        )
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="guanxi", description="Guanxi (关系): open-source CRM.", add_help=False)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("version", help="print the version")
    p_init = sub.add_parser("init", help="write an environment file with a fresh secret key")
    p_init.add_argument("path", nargs="?", default="guanxi.env")
    p_init.add_argument("--force", action="store_true")
    sub.add_parser("upgrade", help="migrate the database and collect static files")
    p_worker = sub.add_parser("worker", help="run a background task worker")
    p_worker.add_argument("--interval", type=float, default=1.0)
    p_serve = sub.add_parser("serve", help="run the web server and a task worker")
    p_serve.add_argument("--host", default=os.environ.get("GUANXI_HOST", "127.0.0.1"))
    p_serve.add_argument("--port", type=int, default=int(os.environ.get("GUANXI_PORT", "8000")))
    p_serve.add_argument("--workers", type=int, default=int(os.environ.get("GUANXI_WEB_WORKERS", "1")))
    p_serve.add_argument("--no-worker", action="store_true", help="do not start a task worker beside the server")

    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    known = {"version", "init", "upgrade", "worker", "serve"}
    if argv[0] not in known:
        _manage(argv)
        return 0
    args = parser.parse_args(argv)
    if args.command == "version":
        print(f"guanxi {__version__}")
        return 0
    if args.command == "init":
        return cmd_init(args)
    handlers = {"upgrade": cmd_upgrade, "worker": cmd_worker, "serve": cmd_serve}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
