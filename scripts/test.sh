#!/usr/bin/env bash
# The test command: installs the build dependencies when missing, builds the package and
# its tests (debug), then runs `swift test`. Output is not filtered, so Swift Testing's
# closing summary ("✔ Test run with N tests in M suites passed ...") is the last thing
# printed. Exits with swift test's status.
# Usage: scripts/test.sh [swift test arguments, e.g. --filter KernelsTests]
set -euo pipefail

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/install-deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/install-deps.sh"

# Install what is missing, build everything, run the tests.
main() {
  ensure_build_deps
  cd "$(charlm_repo_root)"
  note "swift build --build-tests"
  swift build --build-tests || die "swift build --build-tests failed (see above)"
  note "swift test $*"
  # exec: the script's exit status is swift test's, and nothing runs after its summary.
  exec swift test "$@"
}

main "$@"
