from __future__ import annotations

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Send our Content-Security-Policy on every response.

    Applied in development and tests too, so an inline script or a CDN link
    breaks a browser test long before it reaches production.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
