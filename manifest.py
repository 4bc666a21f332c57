# Firmware manifest: the port's own modules, the microdot package and, when
# asked, an application, all frozen into the image.
#
# `make BOARD=... firmware` passes this file as FROZEN_MANIFEST and sets:
#   MICRODOT_BASE_MANIFEST  the board's default manifest (keeps asyncio,
#                           networking and mip); default below
#   MICRODOT_APP            a folder whose .py files (and packages) are frozen
#                           too; a frozen main.py runs at boot
#   MICRODOT_PRESET         the board's microdot_preset.py (boards/<BOARD>/),
#                           which `import microdot` runs to apply the board's
#                           server settings
# MicroPython runs this file with its own folder as the working directory.
import os

include(os.environ.get("MICRODOT_BASE_MANIFEST") or "$(PORT_DIR)/boards/manifest.py")

# The device files of the package, from the same list package.json uses.
_helper = os.path.abspath(os.path.join("tools", "gen_package_json.py"))
_ns = {"__name__": "gen_package_json", "__file__": _helper}
with open(_helper) as _f:
    exec(_f.read(), _ns)
package(
    "microdot",
    files=[path.split("/", 1)[1] for path in _ns["device_files"](os.getcwd())],
    base_path="modules",
)

_preset = os.environ.get("MICRODOT_PRESET")
if _preset and os.path.isfile(_preset):
    module("microdot_preset.py", base_path=os.path.dirname(os.path.abspath(_preset)))

_app = os.environ.get("MICRODOT_APP")
if _app:
    if not os.path.isdir(_app):
        raise ValueError("APP is not a folder: " + _app)
    freeze(os.path.abspath(_app))
