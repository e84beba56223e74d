"""Download of a material: only to a user who sees the record it proves (404 otherwise, which says
nothing about whether it exists), as an attachment with the type detected at upload, audit-logged."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from skillfund.materials import selectors
from skillfund.materials.actions import material_download_record


@never_cache
@require_GET
@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    material = selectors.material_for(request.user, pk)
    if material is None:
        raise Http404
    handle = material.file.storage.open(material.file.name, "rb")
    try:
        material_download_record(material=material, actor=request.user)
    except BaseException:
        handle.close()
        raise
    response = FileResponse(
        handle, as_attachment=True, filename=material.original_name, content_type=material.content_type
    )
    # The browser must not second-guess the checked type (nor render a PDF or image inline).
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
