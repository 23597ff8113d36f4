#!/usr/bin/env bash
# The package version, from `git describe`: a tag vX.Y.Z gives X.Y.Z, N commits after it
# X.Y.Z+N.gHASH; with no tag yet, 0~N.gHASH (N = commits so far; "~" sorts before any release).
# "+dirty" when the work tree has changes. Prints one line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
described=$(git describe --tags --long --match 'v[0-9]*' --dirty 2>/dev/null || true)
dirty=""
[[ $described == *-dirty ]] && { dirty="+dirty"; described=${described%-dirty}; }
if [[ $described =~ ^v([0-9][0-9A-Za-z.]*)-([0-9]+)-g([0-9a-f]+)$ ]]; then
  version=${BASH_REMATCH[1]}
  ((BASH_REMATCH[2] == 0)) || version+="+${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}"
else
  [ -n "$(git status --porcelain --untracked-files=no)" ] && dirty="+dirty"
  version="0~$(git rev-list --count HEAD).g$(git rev-parse --short=7 HEAD)"
fi
echo "$version$dirty"
