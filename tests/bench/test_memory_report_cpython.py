"""The memory part of bench/results/report.md on fake figures: the page-load and pressure rows
side by side with Microdot 2.7, and the firmware table of the last `make size`."""
import json

from helpers.repo_modules import bench_module, tool_module

report = bench_module('report')
targets = bench_module('targets')
firmware_size = tool_module('firmware_size')
MD27, OURS = targets.MD27, targets.OURS


def fake_memory(quick=False):
    def figures(scale, pressure):
        r = {'import_py': 26000 * scale, 'import_mpy': 25000 * scale,
             'serving_mpy': 50000 * scale, 'min_heap_mpy': 80000 * scale,
             'heap_after': {'0': 70000, '100': 70000, '1000': 70000}, 'heap_form': 'mpy',
             'alloc_per_request': int(6000 * scale), 'mpy_bytes': 26000,
             'mpy_files': ['__init__.mpy'], 'per_module_mpy': {'microdot': 3000},
             'pressure': pressure}
        if quick:
            r['pageload_skipped'] = 'QUICK=1'
        else:
            r['pageload_mpy'] = int(90000 * scale)
            r['pageload_runs'] = [r['pageload_mpy']] * 3
        return r

    ours = {'whole': 45016, '503': 4344, 'cut': 0, 'error': 0, 'other': 0,
            'serving_after': True, 'tracebacks': 0, 'memory_errors': 0,
            'accept_died': False}
    theirs = {'whole': 32388, '503': 0, 'cut': 0, 'error': 33, 'other': 0,
              'serving_after': False, 'tracebacks': 33, 'memory_errors': 33,
              'accept_died': True}
    return {'counts': [0, 100, 1000], 'pressure_heap': 96 * 1024, 'pressure_seconds': 20.0,
            'frameworks': {OURS: figures(1, ours), MD27: figures(2, theirs)}}


def row(lines, start):
    found = [line for line in lines if line.startswith('| ' + start)]
    assert len(found) == 1, (start, lines)
    return [c.strip() for c in found[0].strip('|').split('|')][1:]


def test_page_load_and_pressure_rows_side_by_side():
    lines = report.memory_table(fake_memory())
    assert row(lines, 'smallest `-X heapsize` for 20 page loads') == \
        ['87.9 KB', '175.8 KB', '0.50×']
    assert row(lines, 'same, plus the modules loaded to serve (.mpy)') == \
        ['48.8 KB', '97.7 KB', '0.50×']
    assert row(lines, '96 KB heap, 12 clients for 20 s (.mpy): whole responses') == \
        ['45,016', '32,388', '1.39×']
    assert row(lines, '96 KB heap, 12 clients for 20 s (.mpy): 503 refusals') == \
        ['4,344', '0', '']
    assert row(lines, '96 KB heap, 12 clients for 20 s (.mpy): tracebacks') == \
        ['0', '33', '']
    assert row(lines, '96 KB heap, 12 clients for 20 s (.mpy): still serving') == \
        ['yes', '**no**', '']
    assert '- Microdot 2.7 under pressure: 33 MemoryError(s) printed; a task ended on an ' \
        'exception nobody retrieved' in lines


def test_quick_run_says_the_page_load_bisection_was_skipped():
    lines = report.memory_table(fake_memory(quick=True))
    assert row(lines, 'smallest `-X heapsize` for 20 page loads') == ['n/a', 'n/a', 'n/a']
    assert '- ours: page-load bisection skipped (QUICK=1)' in lines


def test_firmware_table_from_the_last_make_size(tmp_path):
    results = firmware_size.new_results()
    firmware_size.set_figure(results, 'import_frozen', OURS, 8900)
    firmware_size.set_figure(results, 'import_frozen', MD27, 8800)
    firmware_size.not_measured(results, 'qemu_import', OURS, 'qemu-system-arm not installed')
    results.update(date='2026-11-29 12:00', commit='abc1234')
    path = tmp_path / 'size.json'
    path.write_text(json.dumps(results))
    lines = report.firmware_table(str(path))
    assert lines[0] == '## Firmware: frozen package, flash, 32-bit'
    assert '2026-11-29 12:00, commit abc1234' in lines[2]
    assert row(lines, 'heap kept by `import microdot`, frozen') == \
        ['8.7 KB', '8.6 KB', '1.01×']
    assert any('qemu-system-arm not installed' in line for line in lines)
    assert report.firmware_table(str(tmp_path / 'none.json')) == []
