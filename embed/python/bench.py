"""Times the Python package, for scripts/bench-embed.sh: load (compiling the component),
then the median of N generate_self_signed (P-256) and N import_pfx calls.

    PFX_PASSWORD=... python bench.py <component dir> <pfx> <runs>
"""

import json
import os
import statistics
import sys
import time

from certhost_embed import Component


def main(directory, pfx_path, runs):
    started = time.perf_counter()
    component = Component.open(directory)
    load = (time.perf_counter() - started) * 1000
    data = open(pfx_path, "rb").read()
    password = os.environ["PFX_PASSWORD"]
    generate, imports = [], []
    for _ in range(int(runs)):
        started = time.perf_counter()
        component.generate_self_signed(dns_names=["backup01.tech.local"], not_before=1767225600, not_after=1798761600)
        generate.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        component.import_pfx(data, password)
        imports.append((time.perf_counter() - started) * 1000)
    print(json.dumps({
        "host": "python",
        "loadMs": round(load, 1),
        "generateP256Ms": round(statistics.median(generate), 2),
        "importPfxMs": round(statistics.median(imports), 2),
    }))


if __name__ == "__main__":
    main(*sys.argv[1:])
