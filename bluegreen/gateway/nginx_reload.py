"""Reload mode (stock nginx, no modules): render the include with the colours, `nginx -t`, reload.

A configuration `nginx -t` rejects is put back at once, so nginx never loads it; the old workers go
on serving the last good colour. Reloads under load cost failed requests (see docs/benchmarks.md):
the agent reloads only when the colour actually changes, never for a version-only bump.
"""

from __future__ import annotations

import logging

from bluegreen.colors import Color
from bluegreen.gateway.config import GatewayConfig, Mode
from bluegreen.gateway.errors import ApplyError
from bluegreen.gateway.files import write_if_changed
from bluegreen.gateway.nginx_control import AdminClient, NginxCommands, StagedFile
from bluegreen.gateway.render import render_reload_site
from bluegreen.gateway.upstreams import StaticUpstreams, UpstreamSource

logger = logging.getLogger(__name__)


class ReloadApplier:
    mode = Mode.RELOAD

    def __init__(
        self,
        config: GatewayConfig,
        commands: NginxCommands,
        admin: AdminClient,
        verify_seconds: float,
        upstreams: UpstreamSource | None = None,
    ) -> None:
        self._config = config
        self._commands = commands
        self._admin = admin
        self._verify_seconds = verify_seconds
        self._upstreams = upstreams or StaticUpstreams(config.upstreams.blue, config.upstreams.green)
        self._served: Color | None = None  # what this agent last saw nginx serve

    def _site_text(self, color: Color) -> str:
        return render_reload_site(self._config, color, self._upstreams.servers())

    def render_files(self, color: Color) -> None:
        write_if_changed(self._config.nginx.site_path, self._site_text(color))

    def _reload_and_verify(self, color: Color) -> None:
        self._commands.reload()
        self._admin.wait_for(color, self._verify_seconds)

    def converge(self, color: Color, version: int) -> bool:
        """Make the live host serve `color`; True when the colour served changed."""
        site = StagedFile(self._config.nginx.site_path)
        if site.replace(self._site_text(color)):
            try:
                self._commands.test()
            except ApplyError:
                site.restore()
                raise
            logger.info("rendered %s for %s v%d; reloading nginx", site.path, color, version)
            changed = self._served is not color  # False when only the ALB addresses changed
            self._reload_and_verify(color)
            self._served = color
            return changed
        served = self._admin.get()
        self._served = served.color
        if served.color is color:
            return False
        # The file is right but nginx is not (a reload that failed, or nginx started late): reload again.
        logger.warning("nginx serves %s but %s holds %s: reloading", served.color, site.path, color)
        self._reload_and_verify(color)
        self._served = color
        return True
