"""``riskcore plot RUN_DIR [--out DIR]``: write a run's plots as PNG files.

Registered by :func:`riskcore.cli.build_parser` through :func:`register`. matplotlib is
imported only when the command runs, with the non-interactive ``Agg`` backend.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``plot`` subcommand to the ``riskcore`` parser's subcommands ``sub``."""
    p = sub.add_parser(
        "plot",
        parents=[common],
        help="draw a finished run's plots as PNG files",
        description="Draw every plot of a run folder that has data (price path, equity and "
        "margin, margin calls and liquidations, reduction allocations) as PNG files.",
    )
    p.add_argument("dir", metavar="RUN_DIR", help="a run folder written by `riskcore replay`")
    p.add_argument("--out", metavar="DIR", help="folder for the PNG files (default: RUN_DIR/plots)")
    p.set_defaults(func=cmd_plot)


def cmd_plot(args: argparse.Namespace) -> int:
    """Write the plots, print each file written and each plot skipped (with the reason)."""
    from riskcore.cli import EXIT_OK, UsageError
    from riskcore.plot.data import NotARunFolder, check_run_folder

    try:
        folder = check_run_folder(args.dir)
    except NotARunFolder as e:
        raise UsageError(str(e)) from None
    out = Path(args.out) if args.out else folder / "plots"
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: not a folder")

    import matplotlib

    matplotlib.use("Agg")
    from riskcore.plot.run import plot_run

    written = plot_run(folder, out)
    for path in written:
        print(path)
    for name, reason in written.skipped.items():
        print(f"skipped {name}: {reason}")
    return EXIT_OK
