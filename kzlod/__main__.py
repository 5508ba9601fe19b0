"""``python -m kzlod``: the command line (:func:`kzlod.cli.main`)."""

from kzlod.cli import main

main()
