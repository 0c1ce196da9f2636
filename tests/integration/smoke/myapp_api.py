"""myapp's mobile APIs emulated over real HTTP(S) on 127.0.0.1, for the smoke suite's tests.

The emulation is the rehearsal's own stand-in (bluegreen.local.stand_in) with myapp's services and
test user from config/myapp.yaml and config/rehearsal/myapp.yaml: login, profile, and payments with
Mastercard/Visa processor stubs. Its faults break it the ways a bad release would: slow responses,
5xx, wrong JSON, a processor that declines everything. A broken TLS certificate is a server started
with `tls="self-signed"`.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Literal

from bluegreen.local.rehearsed_app import RehearsedApp
from bluegreen.local.stand_in.api import Faults, StandInApi
from bluegreen.local.stand_in.server import StandInServer
from tests.integration.smoke.tls import TlsFiles

TlsMode = Literal["none", "trusted", "self-signed"]

MYAPP = RehearsedApp.load(Path(__file__).resolve().parents[3] / "config" / "myapp.yaml")
_USER = MYAPP.overlay.stand_ins.users[0]
_CARDS = MYAPP.overlay.secrets["myapp/prod/smoke-test-cards"]
assert isinstance(_CARDS, dict)
USERNAME = _USER.username
PASSWORD = _USER.password
USER_ID = _USER.user_id
MASTERCARD = str(_CARDS["mastercard"])
VISA = str(_CARDS["visa"])
DECLINED = str(_CARDS["declined"])
CVC = str(_CARDS["cvc"])

# The secrets as Secrets Manager holds them for config/myapp.yaml (locally: the overlay's values).
SECRETS = MYAPP.secret_strings()
Switches = Faults


class MyAppApi(StandInServer):
    """Start with `with MyAppApi() as api:`; `api.url` is the base URL; flip `api.switches`."""

    def __init__(self, tls: TlsMode = "none", tls_files: TlsFiles | None = None) -> None:
        context: ssl.SSLContext | None = None
        if tls != "none":
            if tls_files is None:
                raise ValueError("TLS needs tls_files")
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            if tls == "trusted":
                context.load_cert_chain(tls_files.cert, tls_files.key)
            else:
                context.load_cert_chain(tls_files.self_signed_cert, tls_files.self_signed_key)
        super().__init__(StandInApi(MYAPP.spec("preprod", None)), ssl_context=context)

    @property
    def switches(self) -> Faults:
        return self.api.faults

    @property
    def requests(self) -> list[tuple[str, str]]:
        return self.api.requests

    @property
    def tokens(self) -> set[str]:
        return self.api.tokens
