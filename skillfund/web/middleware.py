"""The platform speaks Simplified Chinese unless the user picks English.

Django's LocaleMiddleware follows the browser's Accept-Language, so an office PC with an English
browser would get an English back office. This one reads only the user's explicit choice (the
language cookie written by /i18n/setlang/) and otherwise uses LANGUAGE_CODE (zh-hans).
To use it, put it in MIDDLEWARE in place of django.middleware.locale.LocaleMiddleware.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
