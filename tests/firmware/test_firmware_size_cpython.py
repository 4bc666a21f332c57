"""tools/firmware_size.py without builds: the table it prints, n/a rows with their reasons,
and the inputs it reads (binutils `size` output, where microdot came from), on fake inputs."""
import json
import os
import re

import pytest

from helpers.firmware import ROOT, gen_package_json
from helpers.repo_modules import tool_module

fs = tool_module('firmware_size')

OURS, MD27 = fs.OURS, fs.MD27


def rows_of(lines):
    """{label: [ours, md27, ratio]} from the markdown table lines."""
    out = {}
    for line in lines:
        cells = [c.strip() for c in line.strip('|').split('|')]
        if line.startswith('| ') and len(cells) == 4 and cells[0] != 'figure':
            out[cells[0]] = cells[1:]
    return out


def label(key):
    return dict((k, lab) for k, lab, _ in fs.ROWS)[key]


def test_table_has_every_row_with_figures_and_ratios():
    results = fs.new_results()
    for key, _, _ in fs.ROWS:
        fs.set_figure(results, key, OURS, 4096)
        fs.set_figure(results, key, MD27, 8192)
    fs.set_figure(results, 'alloc_request', OURS, 6061)
    fs.set_figure(results, 'alloc_request', MD27, 10547)
    rows = rows_of(fs.table(results))
    assert len(rows) == len(fs.ROWS)
    assert rows[label('import_frozen')] == ['4.0 KB', '8.0 KB', '0.50×']
    assert rows[label('alloc_request')] == ['6,061', '10,547', '0.57×']
    assert fs.table(results)[0] == '| figure | ours | Microdot 2.7 | ours ÷ Microdot |'


def test_a_row_that_cannot_be_measured_is_na_with_its_reason():
    results = fs.new_results()
    fs.set_figure(results, 'flash_all', OURS, 125000)
    fs.not_measured(results, 'flash_all', MD27, 'micropython-md27 not built')
    lines = fs.table(results)
    assert rows_of(lines)[label('flash_all')] == ['122.1 KB', 'n/a', 'n/a']
    assert '- n/a in "%s": Microdot 2.7: micropython-md27 not built' % label('flash_all') \
        in lines


def test_measure_into_turns_failures_into_reasons():
    results = fs.new_results()

    def missing():
        raise fs.NotMeasured('qemu-ours.elf not built')

    def broken():
        raise RuntimeError('probe printed no figure: MemoryError')

    assert fs.measure_into(results, 'qemu_flash', OURS, missing) is None
    assert fs.measure_into(results, 'qemu_import', OURS, broken) is None
    assert fs.measure_into(results, 'import_frozen', OURS, lambda: 9000) == 9000
    assert results['why']['qemu_flash'] == ['ours: qemu-ours.elf not built']
    assert results['why']['qemu_import'] == [
        'ours: RuntimeError: probe printed no figure: MemoryError']
    assert results['rows']['import_frozen'][OURS] == 9000


def test_text_and_data_from_binutils_size():
    out = ('   text\t   data\t    bss\t    dec\t    hex\tfilename\n'
           ' 802827\t  81856\t   2960\t 887643\t  d8b5b\tmicropython\n')
    assert fs.parse_size(out) == 802827 + 81856


def test_frozen_figures_refuse_a_package_from_files():
    fs.check_origin('microdot/__init__.py', frozen=True)
    fs.check_origin('/tmp/x/microdot/__init__.mpy', frozen=False)
    with pytest.raises(RuntimeError, match='not the frozen package'):
        fs.check_origin('/tmp/x/microdot/__init__.mpy', frozen=True)
    with pytest.raises(RuntimeError, match='not the files'):
        fs.check_origin('microdot/__init__.py', frozen=False)


def test_probe_output_from_a_board():
    out = ('raw REPL\nMEM {"kept": 4515, "with_names": 4515, "file": '
           '"microdot/__init__.py", "files": ["microdot/__init__.py"]}\n')
    assert fs.parse_probe(out) == 4515
    with pytest.raises(RuntimeError, match='no figure'):
        fs.parse_probe('Traceback (most recent call last):\nMemoryError\n')


def test_without_builds_every_row_is_na_with_a_reason(tmp_path, capsys):
    # nothing built: the tool still prints the whole table, every figure n/a and why
    size_dir = tmp_path / 'size'
    size_dir.mkdir()
    (size_dir / 'qemu-skipped.txt').write_text('qemu-system-arm not installed\n')
    code = fs.main(['--port', 'unix', '--build', str(tmp_path / 'b'),
                    '--base', str(tmp_path / 'base'),
                    '--micropython', str(tmp_path / 'b' / 'micropython'),
                    '--size-dir', str(size_dir)])
    assert code == 0
    out = capsys.readouterr().out
    rows = rows_of(out.splitlines())
    assert len(rows) == len(fs.ROWS)
    assert all(cells == ['n/a', 'n/a', 'n/a'] for cells in rows.values()), rows
    assert 'Microdot 2.7: qemu-system-arm not installed' in out
    assert 'ours: no mpy-cross' in out
    saved = json.loads((size_dir / 'size.json').read_text())
    assert set(saved['rows']) == set(k for k, _, _ in fs.ROWS)
    assert saved['why']['qemu_import']


def test_core_lists_in_the_makefile_match_the_package():
    with open(os.path.join(ROOT, 'Makefile')) as f:
        text = f.read()
    ours = re.search(r'^SIZE_OURS_CORE = (.*)$', text, re.M).group(1).split()
    assert sorted(ours) == sorted(n for n in gen_package_json.CORE if n != 'test_client.py')
    for name in ours:
        assert os.path.exists(os.path.join(ROOT, 'modules', 'microdot', name)), name
    md27 = re.search(r'^SIZE_MD27_CORE = (.*)$', text, re.M).group(1).split()
    assert md27 == ['__init__.py', 'microdot.py', 'helpers.py']
