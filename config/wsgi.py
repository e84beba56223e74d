import os

from django.conf import settings
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# WSGI servers run no system checks of their own: production refuses to serve with weak settings
# (skillfund.core.checks) here, as runserver and migrate do.
if settings.PRODUCTION:
    call_command("check", fail_level="ERROR")
