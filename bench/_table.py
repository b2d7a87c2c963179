"""Print the ratio-vs-goal table from the JSON lines benchmarks appended with report().

python -m bench._table results.jsonl
"""

import json
import sys

COLUMNS = ("row", "figure", "floor", "ratio", "goal", "met")


def main(path: str) -> int:
    """Print a Markdown table; exit status 1 when any goal is not met."""
    try:
        with open(path, encoding="utf-8") as results:
            rows = [json.loads(line) for line in results if line.strip()]
    except FileNotFoundError:
        rows = []
    if not rows:
        print("no benchmark reported a result")
        return 0
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for row in rows:
        cells = [str(row.get(key, "")) for key in COLUMNS[:-1]]
        cells.append("yes" if row["met"] else "**no**")
        print("| " + " | ".join(cells) + " |")
    missed = sum(not row["met"] for row in rows)
    print(f"\n{len(rows) - missed} of {len(rows)} goals met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
