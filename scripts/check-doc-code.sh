#!/usr/bin/env bash
# Compiles every ```cpp block of README.md and docs/*.md, each as a translation unit
# of its own, against the headers in $1 (default: include/). A block is a whole
# file: it includes what it uses. Prints each failure with its file and line.
set -euo pipefail
cd "$(dirname "$0")/.."
include=${1:-include}
scratch=$(mktemp -d /tmp/kin-doc-code-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
python3 - "$scratch" README.md docs/*.md <<'PY'
import os, sys
out = sys.argv[1]
n = 0
for path in sys.argv[2:]:
    block, start = None, 0
    for i, line in enumerate(open(path, encoding="utf-8"), 1):
        if block is None and line.strip() == "```cpp":
            block, start = [], i + 1
        elif block is not None and line.strip() == "```":
            n += 1
            name = os.path.join(out, f"block{n:03d}.cc")
            with open(name, "w") as f:
                f.write(f'#line {start} "{path}"\n' + "".join(block))
            block = None
        elif block is not None:
            block.append(line)
print(n, file=open(os.path.join(out, "count"), "w"))
PY
count=$(cat "$scratch/count")
failed=0
for f in "$scratch"/block*.cc; do
  [ -e "$f" ] || continue
  c++ -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I"$include" "$f" || failed=1
done
[ "$failed" = 0 ] || { echo "some C++ blocks of the docs do not compile"; exit 1; }
echo "doc code: $count C++ blocks compile"
