"""Draws `chanload bench --instances --plot FILE.png`: the records/s each instance type can deliver
against what its GPUs demand. Run by the chanload command (its text is built into the binary):
python3 plot_instances.py FITS.json OUT.png, or --check to see that matplotlib imports. Exit status
3: matplotlib is not installed."""
import json
import sys

try:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a training host
    import matplotlib.pyplot as plt
except ImportError as error:
    print(f"matplotlib is not importable ({error})", file=sys.stderr)
    sys.exit(3)


def main(fits_path, out_path):
    with open(fits_path) as f:
        report = json.load(f)
    fits = report["instances"]
    names = [fit["name"] for fit in fits]
    deliverable = [max(fit["deliverable_records_per_second"], 1.0) for fit in fits]
    demand = [max(fit["demand_records_per_second"], 1.0) for fit in fits]
    colours = ["#2b8a3e" if fit["fed"] else "#c92a2a" for fit in fits]
    height = max(3.0, 0.38 * len(fits) + 1.4)
    figure, axes = plt.subplots(figsize=(9, height))
    rows = range(len(fits))
    axes.barh(rows, deliverable, color=colours, alpha=0.8, label="deliverable (green: fed, red: starved)")
    axes.scatter(demand, rows, marker="|", s=300, color="black", zorder=3, label="demand of its GPUs")
    for row, fit in zip(rows, fits):
        axes.annotate(f"{fit['headroom']:.2f}x, {fit['limit']}", (deliverable[row], row), xytext=(4, -3),
                      textcoords="offset points", fontsize=7)
    axes.set_yticks(list(rows), names, fontsize=8)
    axes.invert_yaxis()
    axes.set_xscale("log")
    axes.set_xlabel("records/s per host")
    per_gpu = report["records_per_gpu_per_second"]
    axes.set_title(f"chanload: can the loader keep the GPUs fed? ({per_gpu:,.0f} records/s per GPU)",
                   fontsize=10)
    axes.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(out_path, dpi=110)


if __name__ == "__main__":
    if sys.argv[1:] != ["--check"]:
        main(sys.argv[1], sys.argv[2])
