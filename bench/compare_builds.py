#!/usr/bin/env python3
"""Two builds of `sgc train` side by side: the same data sets, alternated.

For each round and data set, runs `<binary> train --dataset D --json --threads T`
for each binary in turn (so load drifts hit both alike) and prints the medians
of the propagate and train stages, the whole run (`seconds.total`), the peak RSS
(`peak_rss_bytes`, VmHWM) and the test accuracy, with new/base ratios, under
the host line (CPU, caches, measured triad) of build/sgc_bench --host.

  python3 bench/compare_builds.py --base ../base/build/sgc --new build/sgc \\
      [--datasets cora,citeseer,pubmed,amazon_cs,coauthor_cs] [--rounds 5] [--threads 2]

Set SGC_DATA_DIR where the data sets are not in ../shared/data.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def run(binary, dataset, threads):
    out = subprocess.run([binary, "train", "--dataset", dataset, "--json", "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    return {"propagate": j["seconds"]["propagate"], "train": j["seconds"]["train"], "total": j["seconds"]["total"],
            "rss": j["peak_rss_bytes"] / 1e6, "acc": j["accuracy"]["test"], "blocks": j.get("column_blocks", 0)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", required=True)
    p.add_argument("--new", required=True)
    p.add_argument("--datasets", default="cora,citeseer,pubmed,amazon_cs,coauthor_cs")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    bench = os.path.join(os.path.dirname(os.path.abspath(a.new)), "sgc_bench")
    if os.path.exists(bench):
        print(subprocess.run([bench, "--host"], capture_output=True, text=True).stdout.strip())
    datasets = a.datasets.split(",")
    got = {(b, d): [] for b in ("base", "new") for d in datasets}
    for _ in range(a.rounds):
        for d in datasets:
            for b in ("base", "new"):
                got[(b, d)].append(run(getattr(a, b), d, a.threads))
    print(f"medians of {a.rounds} alternated runs, {a.threads} threads; ratio = base / new (time), new / base (RSS)")
    print(f"{'data set':12} {'build':5} {'propagate s':>11} {'train s':>9} {'total s':>9} {'peak RSS MB':>11} {'blocks':>6} "
          f"{'test acc':>8}")
    for d in datasets:
        keys = ("propagate", "train", "total", "rss", "acc", "blocks")
        med = {b: {k: statistics.median(r[k] for r in got[(b, d)]) for k in keys} for b in ("base", "new")}
        for b in ("base", "new"):
            m = med[b]
            print(f"{d:12} {b:5} {m['propagate']:11.4f} {m['train']:9.4f} {m['total']:9.4f} {m['rss']:11.1f} "
                  f"{m['blocks']:6.0f} {m['acc']:8.4f}")
        print(f"{d:12} {'ratio':5} {med['base']['propagate'] / med['new']['propagate']:10.2f}x "
              f"{med['base']['train'] / med['new']['train']:8.2f}x {med['base']['total'] / med['new']['total']:8.2f}x "
              f"{med['new']['rss'] / med['base']['rss']:10.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
