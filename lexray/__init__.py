"""LexRay core: settings, domain models, the MongoDB store and the local stack."""

import os as _os

_LOOPBACK_PREFIXES = ("127.", "localhost", "[::1]", "::1")
LOCAL_RAY_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_AUTH_MODE": "disabled",
    "RAY_USAGE_STATS_ENABLED": "0",
}


def _keep_local_ray_on_loopback() -> None:
    """Settings Ray reads when it is imported, so they are set here, first, whenever the
    cluster to join is local (a remote RAY_ADDRESS leaves Ray's defaults alone):

    - Ray replaces a loopback address with the machine's own address unless
      RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0; the local stack listens on 127.0.0.1 only.
    - Ray 2.60 turns token auth on or off depending on whether ~/.ray/auth_token happens to
      exist; the local stack (reachable from this machine only) runs it off, explicitly, and
      its clients must agree. Set RAY_AUTH_MODE=token yourself to use tokens.
    """
    targets = [_os.environ.get("RAY_ADDRESS", ""), _os.environ.get("LEXRAY_RAY_ADDRESS", "")]
    if all(not target or target.startswith(_LOOPBACK_PREFIXES) for target in targets):
        for key, value in LOCAL_RAY_ENV.items():
            _os.environ.setdefault(key, value)


_keep_local_ray_on_loopback()
