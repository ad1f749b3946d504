#!/usr/bin/env bash
# Paper Figure 8a (8b for faces) at this machine's scale: conditional agents trained from one warm
# start for the same budget with each reward, every checkpoint's policy kept (--history), then
# their l2 error on held-out test images against env steps and wall time, one figure per dataset.
#   tools/recipes/rewards.sh mnist      # or omniglot, or faces; each run takes MINUTES (default 60)
# Run it alone on the machine: the runs are compared by wall time. DATA is ../shared/data.
set -eu
DATASET=${1:?mnist, omniglot or faces}
DATA=${DATA:-../shared/data}
MINUTES=${MINUTES:-60}
# REWARDS="discriminator" trains only those runs (one per session fits); the curves need them all
REWARDS=${REWARDS:-l2 l2-step discriminator discriminator-step blind cloning}
# line art clones the centre-line tracer's programs of training images; faces (colour) clone the
# colour stroke search's programs (made once: spiral dataset paintings, about 50 minutes on 2 cores),
# and every reinforced run pays the colour-histogram penalty (paper)
# Omniglot's arms start from the omniglot checkpoint's l2-step weights (docs/rewards/omniglot-warm:
# people's strokes cloned, expert iteration, 170 min of l2-step) and keep its settings: a third
# of the batches cloning people's programs, learning rate 1e-4, entropy 0.003, stroke penalty 0.02
RUNS=runs/rewards-$DATASET
TEACHER=(--trace 1); PENALTIES=(); BASELINE=(--tracer); ARM=(--imitation 0.25 --lr 3e-4); LR=3e-4
case "$DATASET" in
  mnist) SPEC="mnist:$DATA/mnist" ;;
  omniglot) SPEC="omniglot:$DATA/omniglot/images_background.npz"
            [ -e runs/strokes/strokes.npz ] || spiral dataset strokes runs/strokes --omniglot "$DATA/omniglot" \
              --stroke3 "$DATA/sketches/kanji.rdp100.npz" --stroke3 "$DATA/sketches/aaron_sheep.npz"
            TEACHER=(--human-strokes runs/strokes --human 1)
            ARM=(--imitation 0.3 --lr 1e-4 --entropy 0.003 --stroke-penalty 0.02 --select 500); LR=1e-4 ;;
  faces) SPEC="images:$DATA/faces"; TEACHER=(--trace 1 --paintings "$RUNS/paintings"); PENALTIES=(--color-penalty 0.1)
         BASELINE=()
         [ -e "$RUNS/paintings/paintings.npz" ] || spiral dataset paintings "$RUNS/paintings" --data "$SPEC" ;;
  *) echo "mnist, omniglot or faces, not $DATASET" >&2; exit 2 ;;
esac
COMMON=(--data "$SPEC" --brush classic/pen --location-input --location-readout --batch-size 32
        --checkpoint-minutes 5 --history)

# train DIR MINUTES ARGS...: a new run, or the rest of one an earlier session left unfinished
train() {
  local dir=$1 minutes=$2; shift 2
  if [ ! -e "$dir/latest" ]; then
    spiral train "$@" --minutes "$minutes" --run-dir "$dir"
  elif python -c 'import json, sys, pathlib; d = pathlib.Path(sys.argv[1]); latest = (d / "latest").read_text().strip()
sys.exit(json.loads((d / latest / "state.json").read_text())["wall_seconds"] < 60 * float(sys.argv[2]) - 30)' "$dir" "$minutes"; then
    :  # its budget is spent
  else
    spiral train --resume "$dir"
  fi
}

# the shared warm start: 30 minutes cloning (the tracer's programs of training images, or synthetic ones)
# with two actors, as the mnist checkpoint's cloning (20 minutes with one actor on a busy machine
# left a greedy agent at 0.94 of the empty canvas's error: too weak a start to compare rewards)
# A committed warm start (docs/rewards/DATASET-warm, with its card) is used when there is one, so
# that each reward run fits in a session on any machine.
WARM=docs/rewards/$DATASET-warm
if [ ! -e "$WARM/policy.safetensors" ]; then
  WARM=$RUNS/warm
  train "$WARM" 30 "${COMMON[@]}" --actors 2 --reward l2 "${TEACHER[@]}" --warm-start 30 --lr 1e-3
fi

# the same budget for each reward, all from the warm start's weights; some of the batches keep
# cloning the teacher so that no run forgets how to draw while its reward is still noisy
for reward in $REWARDS; do
  [ "$reward" = blind ] || [ "$reward" = cloning ] && continue
  critic=(); [[ $reward == discriminator* ]] && critic=(--d-centering 0.01)  # tools/critic_probe.py: with 1 its ranking depended on the seed
  train "$RUNS/$reward" "$MINUTES" "${COMMON[@]}" --actors 1 --reward "$reward" --init-from "$WARM" \
    "${TEACHER[@]}" "${PENALTIES[@]}" "${ARM[@]}" "${critic[@]}"
done
# the blind agent cannot start from the warm start's weights (it sees no canvas): its own 30 minutes
# of cloning at the warm start's rate, then the same budget with the discriminator reward
[[ " $REWARDS " == *" blind "* ]] && train "$RUNS/blind" "$((MINUTES + 30))" "${COMMON[@]}" --actors 1 --reward discriminator --blind "${TEACHER[@]}" \
  "${PENALTIES[@]}" --warm-start 30 --warm-start-lr 1e-3 --imitation 0.25 --lr 3e-4 --d-centering 0.01

# the control: the same budget cloning the teacher only, at the arms' learning rate (what the
# rewards add beyond the quarter of their batches that keep cloning)
[[ " $REWARDS " == *" cloning "* ]] && train "$RUNS/cloning" "$MINUTES" "${COMMON[@]}" --actors 1 --init-from "$WARM" \
  --reward l2 "${TEACHER[@]}" --warm-start "$MINUTES" --warm-start-lr "$LR"  # l2: no critic to train

for run in discriminator discriminator-step l2 l2-step blind cloning; do [ -e "$RUNS/$run/latest" ] || exit 0; done
python tools/reward_curves.py "$RUNS"/{discriminator,discriminator-step,l2,l2-step,blind,cloning} --data "$SPEC" \
  --n 200 "${BASELINE[@]}" --plot "docs/rewards-$DATASET.png" --json "docs/rewards-$DATASET.json" --title "$DATASET"
