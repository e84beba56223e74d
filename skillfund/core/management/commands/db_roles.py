from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from skillfund.core import dbroles


class Command(BaseCommand):
    help = (
        "Create or update the two PostgreSQL roles (run as a superuser, again at will): the owner, "
        "who migrates and owns every table, and the application's role, which owns nothing"
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="skillfund_owner", help="role that runs migrations and owns the tables")
        parser.add_argument("--app", default="skillfund_app", help="role the application connects as")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="connection alias (a superuser's)")

    def handle(self, *args, owner: str, app: str, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("database roles exist on PostgreSQL only")
        with transaction.atomic(using=database), connection.cursor() as cur:
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not cur.fetchone()[0]:
                raise CommandError("run db_roles as a PostgreSQL superuser (DATABASE_URL)")
            dbroles.ensure_roles(cur, owner=owner, app=app)
            dbroles.take_ownership(cur, owner=owner, app=app)
            dbroles.grant(cur, owner=owner, app=app)
        name = connection.settings_dict["NAME"]
        self.stdout.write(f"database {name}: {owner} owns the tables; {app} owns nothing and may not change kept rows")
