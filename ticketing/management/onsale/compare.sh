#!/usr/bin/env bash
# Before/after in one run: bench_onsale on an older commit and on this checkout, taking turns,
# so that both sides meet the same machine (a shared machine's speed drifts within minutes).
#
#   ticketing/management/onsale/compare.sh [options] OLD_COMMIT [-- BENCH OPTIONS…]
#
#   --new COMMIT   the "after" side is a clean worktree of COMMIT rather than this checkout
#                  (whose uncommitted changes would otherwise be measured too)
#   --rounds N     how many times each pair (old, new) runs per mode (1)
#   --modes LIST   comma-separated among seated, standing, standing-buyers (all three)
#   --keep         leave the worktrees in /tmp (they are removed at the end otherwise)
#
# Needs DATABASE_URL and REDIS_URL (as manage.py does); PYTHON defaults to this checkout's
# .venv (or, in a worktree without one, the main checkout's). The old side runs `python manage.py` from its own worktree: the current directory
# comes first on sys.path, so the same virtualenv imports the old code (gunicorn is started
# from there too). Each bench run migrates its own throwaway database with its side's
# migrations.
#
# When the old commit's bench has no --standing, this checkout's bench command and its
# `onsale` package are copied over it, and nothing else. They rely only on services the old
# code has (create_venue, halls.add_zone, programme.schedule_performance, the orders API with
# `zones`). A column the SQL baseline writes but the old schema lacks must be left out there,
# not faked: `ticketing_payment.change_cents` (added after a3d22b8) is written only where the
# column exists (baseline.payment_insert reads information_schema). A future column the
# baseline needs: do the same, or leave the old side's baseline as it was.
#
# Example (tiny, to check the plumbing; the real measurement takes the bench's defaults):
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/parterre REDIS_URL=redis://127.0.0.1:6379/0 \
#     ticketing/management/onsale/compare.sh a3d22b8 -- --seats 40 --buyers 30 --concurrency 4
set -euo pipefail

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

new_commit="" rounds=1 modes="seated,standing,standing-buyers" keep=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --new) new_commit="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --modes) modes="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) usage 0 ;;
        --) usage ;;
        -*) echo "Unknown option $1" >&2; usage ;;
        *) break ;;
    esac
done
[[ $# -ge 1 ]] || usage
old_commit="$1"; shift
if [[ $# -gt 0 ]]; then
    [[ "$1" == "--" ]] || usage
    shift
fi
bench_options=("$@")
: "${DATABASE_URL:?DATABASE_URL is needed (the server the throwaway databases go on)}"
: "${REDIS_URL:?REDIS_URL is needed}"

here="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
main_checkout="$(dirname "$(git -C "$here" rev-parse --path-format=absolute --git-common-dir)")"
if [[ -x "$here/.venv/bin/python" ]]; then
    python="${PYTHON:-$here/.venv/bin/python}"
else
    python="${PYTHON:-$main_checkout/.venv/bin/python}"
fi
[[ -x "$python" ]] || { echo "No Python at $python (set PYTHON)" >&2; exit 2; }
old_sha="$(git -C "$here" rev-parse --verify "$old_commit^{commit}")"
tmp="$(mktemp -d /tmp/parterre-compare.XXXXXX)"
worktrees=()

cleanup() {
    if [[ $keep -eq 1 ]]; then
        echo "Kept: ${worktrees[*]:-none} (git worktree remove --force <dir>)"
    else
        for dir in "${worktrees[@]}"; do
            git -C "$here" worktree remove --force "$dir" || true
        done
        rmdir "$tmp" 2>/dev/null || true
    fi
}
trap cleanup EXIT

worktree() {  # worktree DIR COMMIT: a detached worktree, removed at the end unless --keep
    git -C "$here" worktree add --quiet --detach "$1" "$2"
    worktrees+=("$1")
}

old_dir="$tmp/before"
worktree "$old_dir" "$old_sha"
if [[ -n "$new_commit" ]]; then
    new_dir="$tmp/after"
    worktree "$new_dir" "$(git -C "$here" rev-parse --verify "$new_commit^{commit}")"
else
    new_dir="$here"
fi
new_label="$(git -C "$new_dir" rev-parse --short HEAD)"
if [[ -z "$new_commit" && -n "$(git -C "$here" status --porcelain --untracked-files=no)" ]]; then
    new_label="$new_label+changes"
fi

bench="ticketing/management/commands/bench_onsale.py"
if ! grep -q -- '"--standing"' "$old_dir/$bench"; then
    echo "The bench of ${old_sha:0:7} has no --standing: using this checkout's bench there."
    cp "$new_dir/$bench" "$old_dir/$bench"
    rm -rf "$old_dir/ticketing/management/onsale"
    cp -R "$new_dir/ticketing/management/onsale" "$old_dir/ticketing/management/onsale"
    find "$old_dir/ticketing/management/onsale" -name __pycache__ -prune -exec rm -rf {} +
    # …and the shared bench helpers it imports (throwaway database, database_url).
    helpers="tenants/management/commands/bench_onboarding.py"
    cp "$new_dir/$helpers" "$old_dir/$helpers"
fi

mode_options() {
    case "$1" in
        seated) ;;
        standing) echo "--standing" ;;
        standing-buyers) echo "--standing --buyer-share 1" ;;
        *) echo "Unknown mode $1" >&2; exit 2 ;;
    esac
}

run() {  # run LABEL DIR MODE: one bench, its RESULT line (or its last lines if it failed)
    local label="$1" dir="$2" mode="$3" log="$tmp/bench.log"
    # shellcheck disable=SC2046
    if (cd "$dir" && "$python" manage.py bench_onsale $(mode_options "$mode") \
            "${bench_options[@]}" >"$log" 2>&1); then
        echo "$label $mode $(grep '^CPU per request' "$log" | tail -1)"
        echo "$label $mode $(grep '^RESULT ' "$log" | tail -1)"
    else
        echo "$label $mode FAILED:"
        tail -20 "$log" | sed 's/^/    /'
    fi
    rm -f "$log"
}

echo "before=${old_sha:0:7} ($old_dir), after=$new_label ($new_dir)"
echo "bench options: ${bench_options[*]:-(defaults)}; rounds $rounds; modes $modes"
IFS=, read -r -a mode_list <<<"$modes"
for mode in "${mode_list[@]}"; do
    mode_options "$mode" >/dev/null
done
for ((round = 1; round <= rounds; round++)); do
    for mode in "${mode_list[@]}"; do
        # Old first on odd rounds, new first on even ones: neither side always runs warm.
        if ((round % 2)); then
            run "before" "$old_dir" "$mode"
            run "after " "$new_dir" "$mode"
        else
            run "after " "$new_dir" "$mode"
            run "before" "$old_dir" "$mode"
        fi
    done
done
