"""Response renderers."""

from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, which also renders a lone surrogate a client sent.

    A JSON body may carry `"\\ud800"`; a choice field's error message quotes it back, and
    UTF-8 cannot encode it, so DRF's renderer raised (a 500). Such a body is escaped to
    ASCII JSON instead (`"\\ud800"` again), which every client reads.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            self.ensure_ascii = True  # a renderer instance serves one response
            return super().render(data, accepted_media_type, renderer_context)
