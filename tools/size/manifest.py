# Manifest of the size comparisons (`make size`): a base manifest plus a
# `microdot` package, all or some of its files. Set in the environment:
#   SIZE_BASE_MANIFEST  the manifest of the port without microdot (keeps asyncio)
#   SIZE_PACKAGE_BASE   the folder that holds microdot/ (ours or Microdot 2.7);
#                       empty: no microdot, the port as it is (the rp2 base build)
#   SIZE_FILES          space-separated file names inside microdot/ (all if unset)
import os

include(os.environ["SIZE_BASE_MANIFEST"])
_files = os.environ.get("SIZE_FILES", "").split()
if os.environ.get("SIZE_PACKAGE_BASE"):
    package("microdot", files=_files or None, base_path=os.environ["SIZE_PACKAGE_BASE"])
