"""Each Alembic migration upgrades and downgrades cleanly on a real SQLite file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from kiosk.hub.database import (
    MIGRATIONS_DIR,
    make_engine,
    upgrade_schema,
    upgrade_schema_apart,
)


def _config(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def test_first_schema_up_and_down(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    assert {"manifests", "tickets", "sealed_copies"} <= set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        command.downgrade(_config(connection), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_schema(engine)  # and up again, as after a rollback
    assert "tickets" in inspect(engine).get_table_names()
    engine.dispose()


def test_every_connection_deletes_securely(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()


def test_0005_adds_replies_deleted_with_their_ticket(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    assert "replies" in inspect(engine).get_table_names()
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO tickets (id, kiosk_id, location_id, category, urgency, state,"
            " created_at, updated_at) VALUES ('t1', 'k', 'p', 'lost', 'normal', 'submitted',"
            " 1.0, 1.0)"
        )
        connection.exec_driver_sql("INSERT INTO replies VALUES ('r1', 't1', 's', 1.0, x'00')")
        connection.exec_driver_sql("DELETE FROM tickets")  # the foreign key cascades
        assert connection.exec_driver_sql("SELECT count(*) FROM replies").scalar() == 0
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0004")
    assert "replies" not in inspect(engine).get_table_names()
    engine.dispose()


def test_0006_adds_device_presence_and_removes_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("device_presence")}
    assert columns == {"device_id", "last_seen", "version", "manifest_version", "offline"}
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0005")
    assert "device_presence" not in inspect(engine).get_table_names()
    engine.dispose()


def test_0008_adds_epoch_keys_and_removes_them(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("epoch_keys")}
    assert columns == {"device_id", "epoch_id", "not_before", "not_after", "public", "signature"}
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0007")
    assert "epoch_keys" not in inspect(engine).get_table_names()
    engine.dispose()


def test_duty_migration_keeps_open_tickets_and_adds_the_duty_table(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    with engine.begin() as connection:
        command.upgrade(_config(connection), "0004")
        connection.exec_driver_sql(
            "INSERT INTO tickets (id, kiosk_id, location_id, category, urgency, state,"
            " created_at, updated_at) VALUES ('t1', 'k', 'p3', 'lost', 'normal', 'submitted', 1, 1)"
        )
        connection.exec_driver_sql(
            "INSERT INTO sealed_copies (ticket_id, recipient_id, ciphertext)"
            " VALUES ('t1', 's', x'00')"
        )
    upgrade_schema(engine)
    assert "staff_duty" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT accepted_at, handed_to FROM tickets").one()
        assert tuple(row) == (None, None)
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0004")
    with engine.connect() as connection:  # the way back drops columns in place, keeping rows
        assert connection.exec_driver_sql("SELECT count(*) FROM sealed_copies").scalar() == 1
    assert "staff_duty" not in inspect(engine).get_table_names()
    engine.dispose()


def test_the_hub_migrates_in_a_child_process(tmp_path: Path) -> None:
    upgrade_schema_apart(f"sqlite:///{tmp_path / 'hub.db'}")
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    assert {"manifests", "tickets", "sealed_copies"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    # A failed migration stops the hub's start; the child's error is on stderr.
    with pytest.raises(subprocess.CalledProcessError):
        upgrade_schema_apart(f"sqlite:///{tmp_path / 'no-such-dir' / 'hub.db'}")


def test_0009_adds_statistic_counters_and_removes_them(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    upgrade_schema(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("statistic_counters")}
    assert columns == {"kind", "period", "key", "count"}
    assert inspect(engine).get_pk_constraint("statistic_counters")["constrained_columns"] == [
        "kind",
        "period",
        "key",
    ]
    with engine.begin() as connection:
        command.downgrade(_config(connection), "0008")
    assert "statistic_counters" not in inspect(engine).get_table_names()
    engine.dispose()
