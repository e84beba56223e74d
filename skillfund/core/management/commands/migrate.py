"""`skillfund migrate` runs as the tables' owner when DATABASE_OWNER_URL is set (alias "owner") and
then grants the application's role (DATABASE_URL's user) what it may do, so a table made by a new
migration is never left beyond its reach, nor a kept table within it. Without DATABASE_OWNER_URL,
Django's migrate as it is."""

from django.conf import settings
from django.core.management.commands import migrate
from django.db import connections, transaction

from skillfund.core import dbroles

OWNER = "owner"


class Command(migrate.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        if OWNER in settings.DATABASES:
            parser.set_defaults(database=OWNER)

    def handle(self, *args, **options):
        super().handle(*args, **options)
        owner, app = settings.DATABASES.get(OWNER, {}).get("USER"), settings.DATABASES["default"].get("USER")
        if options["database"] == OWNER and connections[OWNER].vendor == "postgresql" and app and owner != app:
            with transaction.atomic(using=OWNER), connections[OWNER].cursor() as cur:
                dbroles.grant(cur, owner=owner, app=app)
