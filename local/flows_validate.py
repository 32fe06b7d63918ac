"""`make flows-validate`: load every flow in functions/flows/ and check it, as the functions will."""

from __future__ import annotations

import sys

from bootstrap import load_catalogue, load_flow_files
from core.engine import check_references
from core.flows import FlowError
from core.operations import Operations


def main() -> int:
    try:
        flows = load_flow_files()
        load_catalogue()
        check_references(flows, Operations(bank=None))  # type: ignore[arg-type]  # names only, no calls
    except FlowError as error:
        print(f"flows-validate: {error}", file=sys.stderr)
        return 1
    print(f"flows-validate: {len(flows)} flows OK: {', '.join(sorted(flows))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
