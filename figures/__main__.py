"""`python -m figures` runs the command line."""

from .cli import main

main()
