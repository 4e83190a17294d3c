"""Analysis of training runs, behind the tools in ``tools/analysis/``.

One concept per module:

* :mod:`~cmpl_mm.analysis.run_logs`: read a run's work dir (MMEngine's
  ``scalars.json`` of every segment, ``pseudo_label_stats.jsonl``, the
  iteration of each validation);
* :mod:`~cmpl_mm.analysis.stats`: mean ± sample std over seeds, curves
  averaged per iteration, gaps between algorithms paired by seed and the
  seeds that would resolve them;
* :mod:`~cmpl_mm.analysis.plots`: the curves (matplotlib, imported only
  when a plot is drawn);
* :mod:`~cmpl_mm.analysis.pseudo_classes`: per class, the pseudo-labels
  each teacher gave and how many were right, summed over a run;
* :mod:`~cmpl_mm.analysis.run_config`: what a run's dumped config says
  that its plots mark (chance, warm-up and ramp of the unsupervised loss);
* :mod:`~cmpl_mm.analysis.comparison`: the runs of a comparison of configs
  over seeds, their options and per-algorithm summary;
* :mod:`~cmpl_mm.analysis.recorded`: runs recorded in comparisons'
  ``results.json`` (merging their seeds);
* :mod:`~cmpl_mm.analysis.report`: the markdown and JSON reports;
* :mod:`~cmpl_mm.analysis.checkpoint_eval`: a checkpoint's metrics on a
  config's validation set.

The submodules are imported on demand (``from cmpl_mm.analysis import
stats``), not here.
"""
