#!/usr/bin/env bash
# bench/patched.sh OUT PATCH...: builds cmd/coredns into OUT with miekg/dns
# patched by the PATCHes in order (files in docs/patches/), for
# bench/tune.sh's variants udpworkers and udpbatch. A benchmark-only build:
# the patched module is a copy under bench/data/ (gitignored), used through a
# separate go.mod (-modfile); the repository's go.mod, go.sum and module
# cache are not changed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
out=${1:?usage: bench/patched.sh OUT PATCH...}
shift
[ $# -gt 0 ] || { echo "usage: bench/patched.sh OUT PATCH..." >&2; exit 2; }
name=$(basename "$out")

mod=github.com/miekg/dns
dir=$(go list -m -f '{{.Dir}}' "$mod")
[ -n "$dir" ] || { go mod download "$mod" && dir=$(go list -m -f '{{.Dir}}' "$mod"); }
# The leading _ keeps go's ./... patterns out of the copy.
src=$root/bench/data/_miekg-dns-$name
rm -rf "$src"
cp -r "$dir" "$src"
chmod -R u+w "$src"
for p in "$@"; do
	patch -s -d "$src" -p1 <"$p"
done

cp go.mod "bench/data/$name.mod"
cp go.sum "bench/data/$name.sum"
go mod edit -modfile="bench/data/$name.mod" -replace "$mod=$src"
go build -modfile="bench/data/$name.mod" -o "$out" ./cmd/coredns
echo "built $out with $mod $(go list -m -f '{{.Version}}' "$mod") + $*"
