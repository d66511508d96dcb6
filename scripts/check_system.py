"""Stop early, with the Debian packages to install, when WeasyPrint's system libraries are missing.

Runs with the machine's python3 before anything is installed, so it uses the
standard library only.
"""

import ctypes.util
import sys

# library name → the Debian package that ships it
REQUIRED = {
    "pango-1.0": "libpango-1.0-0",
    "pangoft2-1.0": "libpangoft2-1.0-0",
    "harfbuzz": "libharfbuzz0b",
    "fontconfig": "libfontconfig1",
}


def main():
    if sys.version_info < (3, 11):  # noqa: UP036 - runs on the machine's python3, before the venv
        print(f"Python 3.11 or newer is needed; python3 here is {sys.version.split()[0]}.")
        return 1
    missing = sorted(
        {package for lib, package in REQUIRED.items() if not ctypes.util.find_library(lib)}
    )
    if missing:
        print("WeasyPrint (the PDF reports) needs system libraries that are missing here.")
        print("On Debian or Ubuntu install them with:")
        print(f"    sudo apt-get install {' '.join(missing)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
