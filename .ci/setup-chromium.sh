# shellcheck shell=bash
# Sourced by .ci/run (with set -euo pipefail): make sure Debian's chromium is
# installed for the browser tests, and export
#   THANHTOAN_CHROMIUM          path of the browser the tests start
#   THANHTOAN_REQUIRE_CHROMIUM  =1: those tests fail instead of skipping
# If THANHTOAN_CHROMIUM is already set, that browser is used as is.

thanhtoan_setup_chromium() {
  if [ -n "${THANHTOAN_CHROMIUM:-}" ]; then
    echo "setup-chromium: using THANHTOAN_CHROMIUM=$THANHTOAN_CHROMIUM from the environment"
  else
    local bin=""
    bin=$(command -v chromium || command -v chromium-browser || true)
    if [ -z "$bin" ]; then
      echo "setup-chromium: installing chromium with apt-get"
      local sudo=()
      [ "$(id -u)" = 0 ] || sudo=(sudo)
      export DEBIAN_FRONTEND=noninteractive
      "${sudo[@]}" apt-get update -qq
      "${sudo[@]}" apt-get install -y -qq chromium >/dev/null
      bin=$(command -v chromium || true)
    fi
    if [ -z "$bin" ]; then
      echo "setup-chromium: chromium is not installed and apt-get could not install it" >&2
      return 1
    fi
    export THANHTOAN_CHROMIUM="$bin"
  fi
  "$THANHTOAN_CHROMIUM" --version 2>/dev/null || true
  export THANHTOAN_REQUIRE_CHROMIUM=1
}
thanhtoan_setup_chromium
