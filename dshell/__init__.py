"""dshell: an interactive shell for Docker."""

__version__ = "0.1.0"
