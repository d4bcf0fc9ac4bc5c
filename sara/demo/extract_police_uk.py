"""Regenerate sara/demo/data/lincolnshire-asb.csv, the demo's backbone of real incidents, from the
data.police.uk street-level files for Lincolnshire Police:

    python -m sara.demo.extract_police_uk /path/to/police-uk/lincolnshire

It keeps the anti-social behaviour rows of the last 30 months on file (2013-07 to 2015-12 in the
files this was made from) in the LSOAs the demo's incidents lie in (sara.demo.seed: the areas its
neighbourhoods' cases look at), and only what the demo needs: the month, the point (to 4 decimal
places, about 10 metres; data.police.uk already moves each point to an anonymised map point), the
street without its "On or near" and the LSOA code, with the LSOA names in a second file. 30
months, so that after the seed shifts them forward by whole years to end last month, at least 19
are left whatever the month of the year (the dashboard shows 18 and the current one).

Source: data.police.uk, Lincolnshire Police street-level crime files. Contains public sector
information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from sara.demo.seed import CALLER_INCIDENTS, CASES, HISTORIC_CALLS

DATA = Path(__file__).parent / "data"
OUTPUT = DATA / "lincolnshire-asb.csv"
NAMES = DATA / "lincolnshire-lsoas.csv"
COLUMNS = ["Month", "Longitude", "Latitude", "Location", "LSOA code"]
ASB = "Anti-social behaviour"
MONTHS = 30
PREFIX = "On or near "


def demo_lsoas() -> set[str]:
    codes = {incident["lsoa"] for case in CASES for incident in case.get("incidents", ())}
    return codes | {incident["lsoa"] for incident in CALLER_INCIDENTS + HISTORIC_CALLS}


def extract(source: Path, output: Path = OUTPUT) -> int:
    files = sorted(source.glob("*-street.csv"))[-MONTHS:]
    if len(files) < MONTHS:
        raise SystemExit(f"Expected at least {MONTHS} monthly files in {source}")
    wanted = demo_lsoas()
    written, names = 0, {}
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for path in files:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                for row in csv.DictReader(handle):
                    if row["Crime type"] != ASB or row["LSOA code"] not in wanted:
                        continue
                    location = row["Location"].removeprefix(PREFIX)
                    writer.writerow([row["Month"], _short(row["Longitude"]),
                                     _short(row["Latitude"]), location, row["LSOA code"]])
                    names[row["LSOA code"]] = row["LSOA name"]
                    written += 1
    with (output.parent / NAMES.name).open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["LSOA code", "LSOA name"])
        writer.writerows(sorted(names.items()))
    return written


def _short(value: str) -> str:
    return f"{float(value):.4f}" if value else ""


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    count = extract(Path(sys.argv[1]))
    print(f"{count} rows written to {OUTPUT}")
