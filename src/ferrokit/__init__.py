"""FerroKit: iron-based nanomaterial theranostics, from detection to elimination.

Importing the package is light: no heavy dependency is imported and nothing is computed.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ferrokit")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
