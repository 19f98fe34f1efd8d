"""The documented ``st run`` line with other seeds than its own: the contract does not depend on it.

docs/contract.md, "Any seed", says why these phases and these numbers. The seeds are 2 to 5 (the
line's own, 1, is tests/test_st_cli.py's); ``MOCKSCIM_ST_SEEDS=6-20`` (or ``7,9``) runs others.
A file of its own, so that xdist (``--dist loadfile``) gives it to the other worker than the
documented line's run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from test_st_cli import BIN, CONTRACT_ST_LINE, run_line, sandbox

#: The phases the runs with other seeds repeat, with their examples per operation (the documented
#: line: 20): the seed drives these two; fuzzing is most of a run's time.
OTHER_SEED_PHASES = {"fuzzing": 5, "stateful": 20}


def other_seeds() -> list[int]:
    """The seeds besides the documented one: ``MOCKSCIM_ST_SEEDS`` (``6-20``, ``7,9``), else
    2 to 5."""
    seeds: list[int] = []
    for part in os.environ.get("MOCKSCIM_ST_SEEDS", "2-5").split(","):
        first, _, last = part.strip().partition("-")
        seeds += range(int(first), int(last or first) + 1)
    return seeds


@pytest.mark.skipif(not (BIN / "st").exists(), reason="the Schemathesis CLI is not installed")
@pytest.mark.parametrize("seed", other_seeds())
def test_the_line_passes_with_other_seeds(tmp_path: Path, seed: int) -> None:
    """The documented line with another ``--seed``, for the phases the seed drives: fuzzing (with
    fewer examples) and the stateful run (as many): docs/contract.md, "Any seed", says why."""
    with sandbox() as url:
        for phase, examples in OTHER_SEED_PHASES.items():
            line = CONTRACT_ST_LINE.replace(
                "--max-examples 20 --seed 1",
                f"--max-examples {examples} --seed {seed} --phases {phase}",
            )
            assert line != CONTRACT_ST_LINE
            output = run_line(url, line, tmp_path)
            assert re.search(rf"✅ {phase.title()}\b", output), f"{phase} did not pass:\n{output}"
            assert f"Seed: {seed}" in output, output
