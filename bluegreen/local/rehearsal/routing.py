"""DNS, locally: requests for the app's domains go to a local gateway, keeping the Host header."""

from __future__ import annotations

from typing import Any

import httpx


class HostRouting(httpx.HTTPTransport):
    """Sends requests for the routed hosts to 127.0.0.1:<port>, as DNS would send them to the LB."""

    def __init__(self, routes: dict[str, int]) -> None:
        super().__init__()
        self.routes = routes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        port = self.routes.get(request.url.host)
        if port is not None:
            request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=port)
        return super().handle_request(request)


def routed_client_factory(routes: dict[str, int]) -> Any:
    """A smoke-suite client factory (bluegreen.smoke.runner.ClientFactory) whose clients resolve
    the routed hosts to the local gateways."""

    def factory(**kwargs: Any) -> httpx.Client:
        return httpx.Client(transport=HostRouting(routes), **kwargs)

    return factory
