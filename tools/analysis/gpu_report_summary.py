"""Write gpu_report.md and gpu_report.json from the runs of gpu_report.sh.

Reads ``OUT_DIR/{run}.json`` of ``benchmark_train_step.py`` and
``OUT_DIR/e2e.json`` of ``benchmark_end_to_end.py`` (with their ``.rc``
exit statuses and ``.skipped`` notes), and checks the targets of the GPU
speed issue where the runs needed for them exist:

* CMPL / FixMatch step time under AMP (new defaults; with streams when
  measured) <= 1.15;
* FixMatch clips/s, new defaults / old settings (float32, cudnn_benchmark
  off, NCDHW) >= 1.5;
* end-to-end / step-only clips/s >= 0.9;
* CMPL / FixMatch peak memory (new defaults) <= 1.24.

Usage::

    python tools/analysis/gpu_report_summary.py OUT_DIR [--elapsed S] [--dry-run]
"""
import argparse
import json
import os.path as osp
import platform
import sys
import time

STEP_RUNS = (
    ('old_fp32', 'float32, cudnn_benchmark off, NCDHW (old settings)'),
    ('old_fp16', 'AMP float16, cudnn_benchmark off, NCDHW (old AMP)'),
    ('new_fp32', 'float32, config cudnn_benchmark + channels_last_3d'),
    ('new_default', 'config defaults (AMP float16 on a GPU)'),
    ('new_bf16', 'config defaults with AMP bfloat16'),
    ('streams', 'config defaults + auxiliary on a side CUDA stream'),
    ('compile_fp16', 'config defaults + torch.compile(train_step)'),
)
TARGETS = dict(
    cmpl_over_fixmatch_step=1.15,
    fixmatch_new_over_old=1.5,
    e2e_over_step_only=0.9,
    cmpl_over_fixmatch_memory=1.24)


def load_run(out_dir, name):
    """The JSON of a run, or a dict saying why there is none."""
    path = osp.join(out_dir, f'{name}.json')
    skipped = osp.join(out_dir, f'{name}.skipped')
    rc_path = osp.join(out_dir, f'{name}.rc')
    rc = None
    if osp.isfile(rc_path):
        with open(rc_path) as f:
            text = f.read().strip()
        rc = int(text) if text.lstrip('-').isdigit() else None
    if osp.isfile(skipped):
        with open(skipped) as f:
            return dict(status='skipped', note=f.read().strip())
    if rc is None and not osp.isfile(path):
        return None  # not part of this report
    if rc in (124, 137):
        return dict(status='timed out', rc=rc)
    if not osp.isfile(path) or (rc is not None and rc > 1 and
                                name != 'e2e') or (name == 'e2e' and rc):
        return dict(status='failed', rc=rc)
    with open(path) as f:
        data = json.load(f)
    data['status'] = 'ok'
    data['rc'] = rc
    return data


def _f(value, spec='.1f'):
    return '–' if value is None else format(value, spec)


def _pct(value):
    return '–' if value is None else f'{100 * value:.1f}%'


def _check(value, target, at_most):
    if value is None:
        return 'not measured'
    ok = value <= target if at_most else value >= target
    return 'PASS' if ok else 'FAIL'


def summarize(out_dir, elapsed=None, dry_run=False):
    runs = {}
    for name, _ in STEP_RUNS + (('e2e', ''), ):
        run = load_run(out_dir, name)
        if run is not None:
            runs[name] = run
    ok = {k: v for k, v in runs.items() if v.get('status') == 'ok'}
    meta_src = next((v for k, v in ok.items() if k != 'e2e'), None) or \
        ok.get('e2e') or {}
    meta = dict(
        gpu=meta_src.get('gpu'),
        device=meta_src.get('device'),
        torch=meta_src.get('torch'),
        date=meta_src.get('date') or time.strftime('%Y-%m-%d'),
        python=platform.python_version(),
        elapsed_s=elapsed,
        dry_run=dry_run)
    try:
        import mmaction
        import mmengine
        meta.update(mmengine=mmengine.__version__,
                    mmaction2=mmaction.__version__)
    except ImportError:
        pass

    def var(run, key, field):
        r = ok.get(run)
        return None if r is None else r['variants'][key].get(field)

    checks = {}
    amp_run = 'streams' if 'streams' in ok else 'new_default'
    cb = ok.get(amp_run, {}).get('ratio_c_over_b')
    checks['cmpl_over_fixmatch_step'] = dict(
        run=amp_run, value=cb,
        precision=var(amp_run, 'b', 'precision'),
        result=_check(cb, TARGETS['cmpl_over_fixmatch_step'], True))
    new_b, old_b = var('new_default', 'b', 'clips_per_s'), var(
        'old_fp32', 'b', 'clips_per_s')
    speedup = new_b / old_b if new_b and old_b else None
    checks['fixmatch_new_over_old'] = dict(
        run='new_default / old_fp32', value=speedup,
        mfu_new=var('new_default', 'b', 'mfu'),
        mfu_old=var('old_fp32', 'b', 'mfu'),
        result=_check(speedup, TARGETS['fixmatch_new_over_old'], False))
    old16_b = var('old_fp16', 'b', 'clips_per_s')
    checks['fixmatch_new_over_old_amp'] = dict(
        run='new_default / old_fp16', value=new_b / old16_b
        if new_b and old16_b else None, result='(no target)')
    e2e = ok.get('e2e', {}).get('ratio_e2e_over_step_only')
    checks['e2e_over_step_only'] = dict(
        run='e2e', value=e2e,
        result=_check(e2e, TARGETS['e2e_over_step_only'], False))
    mem = ok.get('new_default', {}).get('memory_ratios', {}).get('c_over_b')
    checks['cmpl_over_fixmatch_memory'] = dict(
        run='new_default', value=mem,
        result=_check(mem, TARGETS['cmpl_over_fixmatch_memory'], True))

    report = dict(meta=meta, targets=TARGETS, checks=checks, runs=runs)
    with open(osp.join(out_dir, 'gpu_report.json'), 'w') as f:
        json.dump(report, f, indent=1)

    lines = [
        '# GPU speed report' + (' (CPU dry run: no GPU figure)'
                                if dry_run else ''), '',
        f'- device: {meta["gpu"] or meta["device"]}',
        f'- torch {meta["torch"]}, mmengine {meta.get("mmengine")}, '
        f'mmaction2 {meta.get("mmaction2")}, Python {meta["python"]}',
        f'- date: {meta["date"]}' +
        (f'; the script ran {elapsed:.0f} s' if elapsed else ''),
        '- command: `bash tools/analysis/gpu_report.sh' +
        (' --dry-run' if dry_run else '') + ' OUT_DIR`', '',
        '## Training step (benchmark_train_step.py)', '']
    first = next((ok[n] for n, _ in STEP_RUNS if n in ok), None)
    if first:
        lines += [
            f'{first["config_primary"]} (a, b) and {first["config_cmpl"]} '
            f'(c); B={first["B"]}, mu={first["mu"]}, '
            f'{first["clips_per_iter"]} clips of '
            f'{"x".join(map(str, first["clip_shape"]))} per iteration, '
            f'median of {first["iters"]} interleaved iterations after '
            f'{first["warmup"]} warm-up; memory: peak in a process per '
            'variant.', '']
    head = ('| run | settings | (a) ms | (b) ms | (c) ms | (b) clips/s | '
            '(c) clips/s | (b) TFLOP/s | (b) MFU | (c) MFU | b/a | c/b | '
            'memory a / b / c MiB | memory c/b |')
    lines += [head, '|' + '---|' * (head.count('|') - 1)]
    for name, label in STEP_RUNS:
        run = runs.get(name)
        if run is None:
            continue
        if run.get('status') != 'ok':
            note = run.get('note') or f'exit status {run.get("rc")}'
            lines.append(f'| {name} | {label} | {run["status"]}: {note} |' +
                         ' |' * 11)
            continue
        v = run['variants']
        mems = [v[k].get('memory_bytes') for k in 'abc']
        mem_text = ' / '.join(_f(m / 2**20 if m else None, '.0f')
                              for m in mems)
        mfu = [v[k].get('mfu') for k in 'bc']
        lines.append(
            f'| {name} | {label} | {_f(v["a"]["ms_median"])} | '
            f'{_f(v["b"]["ms_median"])} | {_f(v["c"]["ms_median"])} | '
            f'{_f(v["b"]["clips_per_s"])} | {_f(v["c"]["clips_per_s"])} | '
            f'{_f(v["b"].get("tflops"), ".2f")} | '
            f'{_pct(mfu[0])} | {_pct(mfu[1])} | '
            f'{_f(run["ratio_b_over_a"], ".3f")} | '
            f'{_f(run["ratio_c_over_b"], ".3f")} | {mem_text} | '
            f'{_f(run.get("memory_ratios", {}).get("c_over_b"), ".3f")} |')
    peak_notes = sorted({
        r['variants']['b'].get('peak_source', '')
        for r in ok.values() if 'variants' in r})
    if peak_notes:
        lines += ['', 'MFU: model FLOPs (Conv3d multiply-adds x 2 x 3) per '
                  'second over the dense peak: ' + '; '.join(peak_notes)]
    lines += ['', '## End to end (benchmark_end_to_end.py)', '']
    e2e_run = runs.get('e2e')
    if e2e_run and e2e_run.get('status') == 'ok':
        r = e2e_run
        lines += [
            f'{r["config"]}, {r["precision"]}, {r["num_workers"]} workers '
            f'on {r["cpu_count"]} CPUs, {r["clips_per_iter"]} clips per '
            f'iteration; {r["videos"]["num_videos"]} generated videos '
            f'{r["videos"]["geometry"]}, {r["videos"]["frames"][0]}-'
            f'{r["videos"]["frames"][1]} frames; {r["iters"]} iterations '
            f'after {r["warmup"]}.', '',
            '| end-to-end clips/s | data-wait share | step-only clips/s | '
            'end-to-end / step-only |', '|---|---|---|---|',
            f'| {r["e2e_clips_per_s"]:.1f} | '
            f'{100 * r["data_wait_share"]:.1f}% | '
            f'{r["step_only_clips_per_s"]:.1f} | '
            f'{r["ratio_e2e_over_step_only"]:.3f} |']
    elif e2e_run:
        lines.append(f'{e2e_run["status"]} (exit status {e2e_run.get("rc")})')
    lines += ['', '## Targets', '', '| target | run | value | result |',
              '|---|---|---|---|']
    names = dict(
        cmpl_over_fixmatch_step='CMPL / FixMatch step, AMP, <= 1.15',
        fixmatch_new_over_old='FixMatch clips/s, new defaults / old '
        'settings, >= 1.5',
        fixmatch_new_over_old_amp='FixMatch clips/s, new defaults / old '
        'AMP settings',
        e2e_over_step_only='end-to-end / step-only clips/s, >= 0.9',
        cmpl_over_fixmatch_memory='CMPL / FixMatch peak memory, <= 1.24')
    for key, check in checks.items():
        lines.append(f'| {names[key]} | {check["run"]} | '
                     f'{_f(check["value"], ".3f")} | {check["result"]} |')
    if dry_run:
        lines += ['', 'CPU dry run: tiny clips and batches on the CPU, to '
                  'check that every step of the script runs. None of these '
                  'figures is a GPU figure.']
    with open(osp.join(out_dir, 'gpu_report.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir')
    parser.add_argument('--elapsed', type=float)
    parser.add_argument('--dry-run', action='store_true')
    args = parser.parse_args(argv)
    report = summarize(args.out_dir, args.elapsed, args.dry_run)
    with open(osp.join(args.out_dir, 'gpu_report.md')) as f:
        print(f.read())
    failed = [k for k, v in report['runs'].items()
              if v.get('status') in ('failed', 'timed out')]
    if failed:
        print(f'runs that did not finish: {", ".join(failed)}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
