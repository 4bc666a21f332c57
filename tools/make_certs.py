"""A private key and a self-signed certificate in the form MicroPython's ssl loads.

    python3 tools/make_certs.py --dir myapp --host mypico.local,192.168.4.1 [--days 3650]

writes into the folder:

    key.der   the private key (EC P-256, PKCS#8, DER)
    cert.der  the certificate (X.509, DER), CN = the first host, every host in subjectAltName
    cert.pem  the same certificate as PEM, for clients to trust (curl --cacert cert.pem)
    key.pem   the private key as PEM, for the same app on CPython (its ssl takes PEM only)

DER because MicroPython's mbedTLS builds for rp2 and most other ports leave PEM parsing
out (MBEDTLS_PEM_PARSE_C): `SSLContext.load_cert_chain('cert.der', 'key.der')` works on
every port. An EC key because its handshake needs much less RAM and time than RSA on a
board. Existing files are kept: remove them to make new ones. Needs the openssl command.
"""
import argparse
import ipaddress
import os
import shutil
import subprocess
import sys
import tempfile

FILES = ('key.der', 'cert.der', 'cert.pem', 'key.pem')


def alt_names(hosts):
    names = []
    for host in hosts:
        try:
            ipaddress.ip_address(host)
            names.append('IP:' + host)
        except ValueError:
            names.append('DNS:' + host)
    return ','.join(names)


def openssl(*args):
    proc = subprocess.run(['openssl'] + list(args), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit('certs: openssl %s failed: %s' % (args[0], proc.stderr.strip()))


def make(folder, hosts, days):
    with tempfile.TemporaryDirectory() as tmp:
        key_pem = os.path.join(tmp, 'key.pem')
        cert_pem = os.path.join(tmp, 'cert.pem')
        openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt',
                'ec_paramgen_curve:prime256v1', '-nodes', '-sha256',
                '-keyout', key_pem, '-out', cert_pem, '-days', str(days),
                '-subj', '/CN=' + hosts[0],
                '-addext', 'subjectAltName=' + alt_names(hosts),
                '-addext', 'basicConstraints=critical,CA:FALSE',
                '-addext', 'keyUsage=critical,digitalSignature',
                '-addext', 'extendedKeyUsage=serverAuth')
        openssl('pkey', '-in', key_pem, '-outform', 'DER',
                '-out', os.path.join(tmp, 'key.der'))
        openssl('x509', '-in', cert_pem, '-outform', 'DER',
                '-out', os.path.join(tmp, 'cert.der'))
        os.makedirs(folder, exist_ok=True)
        for name in FILES:
            shutil.copyfile(os.path.join(tmp, name), os.path.join(folder, name))
    os.chmod(os.path.join(folder, 'key.der'), 0o600)
    os.chmod(os.path.join(folder, 'key.pem'), 0o600)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dir', default='certs', help='folder for the files')
    parser.add_argument('--host', default='127.0.0.1',
                        help='names and addresses of the server, comma-separated')
    parser.add_argument('--days', type=int, default=3650)
    args = parser.parse_args(argv)
    hosts = [h.strip() for h in args.host.split(',') if h.strip()]
    if not hosts:
        sys.exit('certs: HOST= is empty: pass the name or address clients use')
    if not shutil.which('openssl'):
        print('certs: openssl not found: apt-get install openssl', file=sys.stderr)
        return 2
    existing = [n for n in FILES if os.path.exists(os.path.join(args.dir, n))]
    if existing:
        print('certs: keeping %s in %s (remove them to make new ones)'
              % (', '.join(existing), args.dir))
        return 0
    make(args.dir, hosts, args.days)
    print('certs: %s/key.der, cert.der, cert.pem and key.pem for %s, valid %d days'
          % (args.dir.rstrip('/'), ', '.join(hosts), args.days))
    return 0


if __name__ == '__main__':
    sys.exit(main())
