"""Runtime mode: the colour is set in nginx's lua_shared_dict through the admin location; no reload.

The site include holds only structure. The colour the agent last applied is rendered into a tiny
default file (`set $bluegreen_default ...`) on every switch, so an nginx that (re)starts serves it
at once; the agent then sees the dict is empty ("default" source) and sets it again.
"""

from __future__ import annotations

import logging

from bluegreen.colors import Color
from bluegreen.gateway.config import GatewayConfig, Mode
from bluegreen.gateway.errors import ApplyError
from bluegreen.gateway.files import atomic_write_text, read_text_or_none, write_if_changed
from bluegreen.gateway.nginx_control import AdminClient, NginxCommands, StagedFile
from bluegreen.gateway.render import (
    gateway_files,
    render_default_color,
    render_runtime_site,
    template_text,
)
from bluegreen.gateway.upstreams import StaticUpstreams, UpstreamSource

logger = logging.getLogger(__name__)


class RuntimeApplier:
    mode = Mode.RUNTIME

    def __init__(
        self,
        config: GatewayConfig,
        commands: NginxCommands,
        admin: AdminClient,
        upstreams: UpstreamSource | None = None,
    ) -> None:
        self._config = config
        self._files = gateway_files(config)
        self._commands = commands
        self._admin = admin
        self._upstreams = upstreams or StaticUpstreams(config.upstreams.blue, config.upstreams.green)
        self._lua_text = template_text("bluegreen_switch.lua")

    def _site_text(self) -> str:
        return render_runtime_site(self._config, self._upstreams.servers())

    def render_files(self, color: Color) -> None:
        """Write every file nginx needs to start serving `color` (bootstrap; no nginx interaction)."""
        write_if_changed(self._files.default_path, render_default_color(color))
        write_if_changed(self._files.lua_path, self._lua_text)
        write_if_changed(self._files.site_path, self._site_text())

    def _sync_structure(self, color: Color) -> None:
        """Site and Lua files as the config and the ALB addresses say; a change there needs a reload
        (the shared dict, and so the colour, survives it)."""
        if read_text_or_none(self._files.default_path) is None:
            atomic_write_text(self._files.default_path, render_default_color(color))
        site = StagedFile(self._files.site_path)
        lua = StagedFile(self._files.lua_path)
        changed = site.replace(self._site_text())
        changed = lua.replace(self._lua_text) or changed
        if not changed:
            return
        logger.warning(
            "nginx include %s changed (ALB addresses, config or agent upgrade): testing and reloading",
            site.path,
        )
        try:
            self._commands.test()
        except ApplyError:
            site.restore()
            lua.restore()
            raise
        self._commands.reload()

    def converge(self, color: Color, version: int) -> bool:
        """Make the live host serve `color`; True when the colour served changed."""
        self._sync_structure(color)
        served = self._admin.get()
        changed = served.color is not color
        if changed or served.source != "dict" or served.version != version:
            if served.source != "dict":
                logger.warning(
                    "nginx shared dict empty (nginx started since it was set): setting %s v%d",
                    color,
                    version,
                )
            after = self._admin.put(color, version)
            if after.color is not color or after.source != "dict" or after.version != version:
                raise ApplyError(f"nginx admin did not take {color.value} v{version}: it reports {after}")
        # Only after nginx really serves it: the colour an nginx restart must come back with.
        write_if_changed(self._files.default_path, render_default_color(color))
        return changed
