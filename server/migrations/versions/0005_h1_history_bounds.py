"""cost that does not grow with history or with the queue

- `queue_count`: queued tickets per day, service, priority class and whether sent to one
  counter, kept by triggers on `ticket`; the waiting count and the people ahead of a new
  ticket read it instead of counting the queue. Filled from the tickets queued now.
- `ix_ticket_open` (day, state) over the tickets not in a final state only: the minute's
  housekeeping looked for leftovers of earlier days in the whole history (330 days: 0.9 s a
  minute on SQLite).
- `ix_visit_counter_finished` (counter, finished_at): a counter's visit still open for
  rating, from the top of the index instead of a sort of the counter's whole history.

The trigger statements are this revision's own copy (a migration must not change when the
code does); `tests/server/test_history_bounds.py` checks that they equal what
`server.db.models.queue_count_ddl` creates for new databases.

Revision ID: 0005_h1
Revises: 0004
Create Date: 2026-11-24
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005_h1"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN = "state NOT IN ('served', 'no_show', 'cancelled', 'expired')"
Q_NEW = "NEW.state IN ('waiting', 'transferred')"
Q_OLD = "OLD.state IN ('waiting', 'transferred')"
ADD = ("INSERT INTO queue_count (day, service, priority_rank, targeted, n) SELECT NEW.day, "
       "NEW.service, NEW.priority_rank, NEW.target_counter IS NOT NULL, 1 WHERE "
       f"{Q_NEW} ON CONFLICT (day, service, priority_rank, targeted) DO UPDATE SET "
       "n = queue_count.n + 1")
TAKE = (f"UPDATE queue_count SET n = n - 1 WHERE {Q_OLD} AND day = OLD.day AND "
        "service = OLD.service AND priority_rank = OLD.priority_rank AND "
        "targeted = (OLD.target_counter IS NOT NULL)")
MOVED = "state, day, service, priority_rank, target_counter"
SQLITE = [
    f"CREATE TRIGGER ticket_queue_in AFTER INSERT ON ticket WHEN {Q_NEW} BEGIN {ADD}; END",
    f"CREATE TRIGGER ticket_queue_out AFTER DELETE ON ticket WHEN {Q_OLD} BEGIN {TAKE}; END",
    f"CREATE TRIGGER ticket_queue_move AFTER UPDATE OF {MOVED} ON ticket "
    f"WHEN {Q_OLD} OR {Q_NEW} BEGIN {TAKE}; {ADD}; END",
]
POSTGRESQL = [
    "CREATE FUNCTION ticket_queue_count() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN IF TG_OP <> 'INSERT' THEN {TAKE}; END IF; "
    f"IF TG_OP <> 'DELETE' THEN {ADD}; END IF; RETURN NULL; END $$",
    "CREATE TRIGGER ticket_queue_in AFTER INSERT ON ticket FOR EACH ROW "
    f"WHEN ({Q_NEW}) EXECUTE FUNCTION ticket_queue_count()",
    "CREATE TRIGGER ticket_queue_out AFTER DELETE ON ticket FOR EACH ROW "
    f"WHEN ({Q_OLD}) EXECUTE FUNCTION ticket_queue_count()",
    f"CREATE TRIGGER ticket_queue_move AFTER UPDATE OF {MOVED} ON ticket FOR EACH "
    f"ROW WHEN ({Q_OLD} OR {Q_NEW}) EXECUTE FUNCTION ticket_queue_count()",
]
TRIGGERS = ("ticket_queue_in", "ticket_queue_out", "ticket_queue_move")


def upgrade() -> None:
    op.create_table(
        "queue_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("priority_rank", sa.Integer(), nullable=False),
        sa.Column("targeted", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "service", "priority_rank", "targeted"),
    )
    dialect = op.get_bind().dialect.name
    for stmt in SQLITE if dialect == "sqlite" else POSTGRESQL:
        op.execute(stmt)
    op.execute("INSERT INTO queue_count (day, service, priority_rank, targeted, n) "
               "SELECT day, service, priority_rank, target_counter IS NOT NULL, count(*) "
               "FROM ticket WHERE state IN ('waiting', 'transferred') "
               "GROUP BY day, service, priority_rank, target_counter IS NOT NULL")
    op.create_index("ix_ticket_open", "ticket", ["day", "state"], sqlite_where=sa.text(OPEN),
                    postgresql_where=sa.text(OPEN))
    op.create_index("ix_visit_counter_finished", "visit", ["counter", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_visit_counter_finished", table_name="visit")
    op.drop_index("ix_ticket_open", table_name="ticket")
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}" if op.get_bind().dialect.name == "sqlite"
                   else f"DROP TRIGGER {name} ON ticket")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION ticket_queue_count()")
    op.drop_table("queue_count")
