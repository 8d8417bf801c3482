"""``python -m airtools.train`` and ``torchrun --nproc_per_node=N -m airtools.train``: see ``airtools.cli_train``."""
import sys

from airtools.cli import main

sys.exit(main(["train", *sys.argv[1:]]))
