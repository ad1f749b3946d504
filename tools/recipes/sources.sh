#!/bin/sh
# What each source of people's strokes adds (issue 17): the first stage of omniglot.sh (cloning
# people's strokes with --human 1, from the shipped mnist checkpoint) run for the same minutes on
# Omniglot's recordings alone, with KanjiVG added, with the sheep added, and with all three; then
# each greedy agent on the held-out drawings of every source (tools/eval_human_agent.py).
# Each run makes the same number of policy updates (batches of 32 drawings), so the machine's load
# does not favour one; about 12 minutes a run on 2 cores.
# DATA is ../shared/data by default; runs go to runs/.
set -eu
DATA=${DATA:-../shared/data}
UPDATES=${UPDATES:-700}
echo "0c4ed0029a08e974df917e395d000ca70774819300acd876f803b7a9af252362  checkpoints/mnist/policy.safetensors" | sha256sum -c -

stroke3() { for name in "$@"; do printf -- '--stroke3 %s ' "$DATA/sketches/$name"; done; }
# the programs of a drawing depend only on that drawing, so each set is a subset of the full one
[ -f runs/strokes-omniglot/strokes.npz ] || spiral dataset strokes runs/strokes-omniglot --omniglot "$DATA/omniglot"
[ -f runs/strokes-omniglot-kanji/strokes.npz ] || spiral dataset strokes runs/strokes-omniglot-kanji \
  --omniglot "$DATA/omniglot" $(stroke3 kanji.rdp100.npz)
[ -f runs/strokes-omniglot-sheep/strokes.npz ] || spiral dataset strokes runs/strokes-omniglot-sheep \
  --omniglot "$DATA/omniglot" $(stroke3 aaron_sheep.npz)
[ -f runs/strokes/strokes.npz ] || spiral dataset strokes runs/strokes \
  --omniglot "$DATA/omniglot" $(stroke3 kanji.rdp100.npz aaron_sheep.npz)

for set in omniglot omniglot-kanji omniglot-sheep all; do
  strokes=runs/strokes-$set; [ "$set" = all ] && strokes=runs/strokes
  # every batch clones, so no reward trains the policy; --reward l2 spares the core a discriminator
  # would take (session 13's runs had the default reward: same policy updates, slower)
  [ -f runs/sources-$set/latest ] || spiral train --data strokes:$strokes --brush classic/pen --human 1 --reward l2 \
    --warm-start 600 --minutes 600 --updates "$UPDATES" --init-from checkpoints/mnist --location-input --location-readout \
    --lr 1e-3 --batch-size 32 --actors 1 --checkpoint-minutes 3 --run-dir runs/sources-$set
done

python tools/eval_human_agent.py --strokes runs/strokes --omniglot "$DATA/omniglot/images_background.npz" \
  --checkpoint runs/sources-omniglot --checkpoint runs/sources-omniglot-kanji \
  --checkpoint runs/sources-omniglot-sheep --checkpoint runs/sources-all --n 200 --episodes-only --json runs/sources.json
