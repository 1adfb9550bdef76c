"""Command line: `photonest serve|worker|migrate|openapi` and the immich-admin commands."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

# Light imports only: the supervisor of several API processes runs this module without loading the app.
from photonest import IMMICH_API_VERSION
from photonest.config.env import ConfigFileError, Settings, SettingsError, load_settings

LOG_LEVELS = {
    "verbose": logging.DEBUG,
    "debug": logging.DEBUG,
    "log": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "fatal": logging.CRITICAL,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="photonest", description="Photonest photo and video server")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the API server (and the job workers unless excluded)")
    commands.add_parser("worker", help="run the job workers only")
    commands.add_parser("migrate", help="apply database migrations and exit")
    commands.add_parser("openapi", help="print the OpenAPI document")
    commands.add_parser("version", help="print the server version")
    commands.add_parser("list-users", help="list all users")
    reset = commands.add_parser("reset-admin-password", help="reset the admin password")
    reset.add_argument("--password", help="the new password (asked for, or random when left empty)")
    for name in ("enable-password-login", "disable-password-login", "enable-oauth-login", "disable-oauth-login"):
        commands.add_parser(name, help=name.replace("-", " "))
    download = commands.add_parser("download-model", help="download an Immich ONNX model into the model folder")
    download.add_argument("name", help="the model name, e.g. ViT-B-32__openai")
    download.add_argument("--hub", help="the Hugging Face endpoint (default: $HF_ENDPOINT or huggingface.co)")
    args = parser.parse_args(argv)

    if args.command == "version":
        print(f"v{IMMICH_API_VERSION}")
        return 0
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"photonest: invalid setting: {error}", file=sys.stderr)
        return 2
    _configure_logging(settings)
    handler: Callable[[Settings, argparse.Namespace], int] = HANDLERS[args.command]
    try:
        return handler(settings, args)
    except ConfigFileError as error:
        print(f"photonest: {error}", file=sys.stderr)
        return 2


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=LOG_LEVELS[settings.log_level], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(max(logging.WARNING, LOG_LEVELS[settings.log_level]))


def _serve(settings: Settings, _: argparse.Namespace) -> int:
    if "api" not in settings.workers:
        return _worker(settings, argparse.Namespace())
    if settings.api_processes > 1:
        return _serve_processes(settings)

    import uvicorn

    from photonest.app import create_app
    from photonest.container import build_container

    container = build_container(settings)
    container.start()  # migrations and config checks fail here, before the port is opened
    app = create_app(settings, container, run_migrations=False, run_workers="microservices" in settings.workers)
    config = uvicorn.Config(app, **_uvicorn_options(settings))
    server = uvicorn.Server(config)  # the Config has set up uvicorn's loggers by now
    logging.getLogger("uvicorn.access").addFilter(HideQueryStrings())
    server.run()
    return 0


def _serve_processes(settings: Settings) -> int:
    """Several API processes sharing the port (uvicorn's supervisor), and the job workers in one of their own."""
    import uvicorn

    # Migrations and config checks run once, before the port is opened, in a child: the supervisor stays small.
    prepared = subprocess.run([sys.executable, "-m", "photonest", "migrate"], stdout=subprocess.DEVNULL, check=False)
    if prepared.returncode != 0:
        return prepared.returncode
    jobs = JobProcess() if "microservices" in settings.workers else None
    try:
        uvicorn.run(
            "photonest.__main__:api_process_app",
            factory=True,
            workers=settings.api_processes,
            **_uvicorn_options(settings),
        )
    finally:
        if jobs is not None:
            jobs.stop()
    return 0


class JobProcess:
    """`photonest worker` as a child process, started again when it fails (exits with a non-zero status)."""

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._process = self._start()
        self._watcher = threading.Thread(target=self._watch, name="job-process", daemon=True)
        self._watcher.start()

    @staticmethod
    def _start() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "photonest", "worker"])

    def _watch(self) -> None:
        while True:
            status = self._process.wait()
            # A worker stopped by a signal exits 0; the pause keeps a worker that fails at start from spinning.
            if status == 0 or self._stopping.wait(1):
                return
            logging.getLogger(__name__).error("The job worker process exited with %s; starting it again", status)
            with self._lock:
                if self._stopping.is_set():
                    return
                self._process = self._start()

    def stop(self) -> None:
        """Stop the worker (SIGTERM, then SIGKILL after 30 s) and wait for it."""
        with self._lock:
            self._stopping.set()
            process = self._process
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._watcher.join()


def api_process_app() -> Any:
    """The app of one of several API processes: the parent ran the migrations, and the job workers run apart."""
    from photonest.app import create_app

    settings = load_settings()
    _configure_logging(settings)
    logging.getLogger("uvicorn.access").addFilter(HideQueryStrings())
    return create_app(settings, run_migrations=False, run_workers=False)


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    # Requests are logged at the verbose and debug levels only, as upstream's logging interceptor does.
    access_log = settings.log_level in ("verbose", "debug")
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "proxy_headers": True,
        "access_log": access_log,
    }


class HideQueryStrings(logging.Filter):
    """Drop query strings from access-log lines: they can carry shared-link keys, passwords and API keys."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def _worker(settings: Settings, _: argparse.Namespace) -> int:
    from photonest.container import build_container
    from photonest.events.relay import start_event_relay
    from photonest.worker import run_worker

    container = build_container(settings)
    container.start()
    stop_relay = start_event_relay(container)
    try:
        run_worker(container)
    finally:
        stop_relay()
    return 0


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    from photonest.container import build_container

    build_container(settings).start()
    print("Database migrations applied")
    return 0


def _openapi(settings: Settings, _: argparse.Namespace) -> int:
    from photonest.app import create_app

    # The document needs no database: an in-memory one keeps the command free of side effects.
    app = create_app(dataclasses.replace(settings, db_url="sqlite://"))
    fastapi_app = _find_fastapi(app)
    print(json.dumps(fastapi_app.openapi(), indent=2))
    return 0


def _download_model(settings: Settings, args: argparse.Namespace) -> int:
    from photonest.ml.download import run_download

    return run_download(settings.models, args.name, args.hub)


def _find_fastapi(app: Any) -> Any:
    while not hasattr(app, "openapi"):
        app = getattr(app, "app", None) or app.other_asgi_app
    return app


def _admin(action: Callable[[Any, argparse.Namespace], str]) -> Callable[[Settings, argparse.Namespace], int]:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        from photonest.container import build_container
        from photonest.errors import ApiError
        from photonest.services.cli import CliService

        container = build_container(settings)
        container.start()
        try:
            with container.unit_of_work() as uow:
                output = action(CliService(container.context(uow)), args)
        except ApiError as error:
            print(error.message, file=sys.stderr)
            return 1
        print(output)
        return 0

    return run


def _list_users(service: Any, _: argparse.Namespace) -> str:
    users = [u.model_dump(mode="json", by_alias=True) for u in service.list_users()]
    return json.dumps(users, indent=2)


def _reset_admin_password(service: Any, args: argparse.Namespace) -> str:
    password = args.password
    if password is None and sys.stdin.isatty():
        password = getpass.getpass("Please choose a new password (optional): ")
    chosen = service.reset_admin_password(password or None)
    return "The admin password has been updated." if password else f"The admin password has been updated to:\n{chosen}"


def _toggle(method: str, enabled: bool, message: str) -> Callable[[Any, argparse.Namespace], str]:
    def run(service: Any, _: argparse.Namespace) -> str:
        getattr(service, method)(enabled)
        return message

    return run


HANDLERS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "serve": _serve,
    "worker": _worker,
    "migrate": _migrate,
    "openapi": _openapi,
    "list-users": _admin(_list_users),
    "reset-admin-password": _admin(_reset_admin_password),
    "enable-password-login": _admin(_toggle("set_password_login", True, "Password login has been enabled.")),
    "disable-password-login": _admin(_toggle("set_password_login", False, "Password login has been disabled.")),
    "enable-oauth-login": _admin(_toggle("set_oauth_login", True, "OAuth login has been enabled.")),
    "disable-oauth-login": _admin(_toggle("set_oauth_login", False, "OAuth login has been disabled.")),
    "download-model": _download_model,
}

if __name__ == "__main__":
    sys.exit(main())
