#!/usr/bin/env bash
# Installs the binary, its man page and its bash and zsh completion under PREFIX (DESTDIR in
# front, for packagers): PREFIX/bin/mis-spectral, PREFIX/share/man/man1/mis-spectral.1,
# PREFIX/share/bash-completion/completions/mis-spectral, PREFIX/share/zsh/site-functions/_mis-spectral.
# The man page and completions are generated from the binary being installed.
# Usage: scripts/install.sh BIN PREFIX   (make install [PREFIX=/usr/local])
set -euo pipefail
bin=$1 prefix=${DESTDIR:-}$2
here=$(dirname "$0")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash "$here/man-page.sh" "$bin" "$work/mis-spectral.1"
"$bin" completion bash >"$work/bash"
"$bin" completion zsh >"$work/zsh"
install -D -m 755 "$bin" "$prefix/bin/mis-spectral"
install -D -m 644 "$work/mis-spectral.1" "$prefix/share/man/man1/mis-spectral.1"
install -D -m 644 "$work/bash" "$prefix/share/bash-completion/completions/mis-spectral"
install -D -m 644 "$work/zsh" "$prefix/share/zsh/site-functions/_mis-spectral"
echo "installed mis-spectral, its man page and bash/zsh completion under $prefix"
