#!/usr/bin/env bash
# Puts moto's IAM and STS tests in DIR (DIR/tests/...), from Debian's source
# package python-moto (trixie), for e2e.TestMotoSuite (IAMD_MOTO_TESTS=DIR).
#
#     testdata/moto-suite/fetch.sh DIR
#
# moto's code is third-party and stays out of this repository: it is fetched
# when the tests run. The version is pinned by the upstream tarball's
# checksum, so that expected-failures.tsv (classified against exactly these
# files) stays valid; a new upstream version in Debian makes this fail, and
# then the list is to be classified anew. apt uses a private state directory:
# the machine's own apt configuration is read (for its Debian mirror) and
# left as it is.
set -euo pipefail

version=5.1.1
orig=python-moto_${version}.orig.tar.gz
orig_sha256=5b25dbc62cccd9f36ef062c870db49d976b241129024fab049e2d3d1296e2a57
suite=trixie
# The test files the suite runs (see README.md) and moto's licence.
files=(
  tests/test_iam/__init__.py
  tests/test_sts/__init__.py
  tests/test_iam/test_iam.py
  tests/test_iam/test_iam_groups.py
  tests/test_iam/test_iam_oidc.py
  tests/test_sts/test_sts.py
  LICENSE
)

dir=${1:?usage: fetch.sh DIR}
# Done before, with this version and this file list: nothing to fetch.
marker="$dir/.fetched-$(echo "$orig_sha256 ${files[*]}" | sha256sum | cut -c1-16)"
if [ -f "$marker" ]; then exit 0; fi

# The Debian mirror the machine already uses (deb822 or one-line format).
mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
  grep -oE '(https?|mirror\+[a-z]+)://[^ ]*/debian/?( |$)' | head -1 | tr -d ' ' || true)
[ -n "$mirror" ] || { echo "fetch.sh: no Debian mirror in the apt configuration" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
cat >"$work/sources.sources" <<EOF
Types: deb-src
URIs: $mirror
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_opts=(
  -o "Dir::Etc::SourceList=$work/sources.sources"
  -o "Dir::Etc::SourceParts=$work/none"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" -qq update
(cd "$work/src" && apt-get "${apt_opts[@]}" -qq source --download-only "python-moto/$suite" >/dev/null)
if ! echo "$orig_sha256  $work/src/$orig" | sha256sum -c --quiet >/dev/null 2>&1; then
  echo "fetch.sh: Debian's $suite has no $orig with sha256 $orig_sha256 (moto $version); it has:" >&2
  ls "$work/src" >&2
  echo "classify the new version's tests (expected-failures.tsv) and pin it here" >&2
  exit 1
fi
rm -rf "$dir/tests"
mkdir -p "$dir"
tar -xzf "$work/src/$orig" -C "$dir" --strip-components=1 "${files[@]/#/moto-$version/}"
rm -f "$dir"/.fetched-*
touch "$marker"
echo "moto $version tests from Debian's python-moto ($suite) in $dir"
