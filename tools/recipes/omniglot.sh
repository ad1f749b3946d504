#!/bin/sh
# Rebuilds checkpoints/omniglot from scratch on a 2-core machine (about 7 hours):
#   1. people's strokes as stroke programs (Omniglot recordings, KanjiVG, sheep), held-out splits kept apart;
#   2. cloning them (--human 1), starting from the shipped mnist checkpoint, checked by content hash;
#   3. expert iteration on Omniglot's training alphabets: half the batches keep cloning people's strokes,
#      half imitate best-of-8 search over the policy's own proposals (DAgger on a quarter of the steps);
#   4. reinforcement learning with the per-step l2 reward and a stroke-start penalty, 30% of the
#      batches still cloning people's strokes (170 minutes);
#   5. reinforcement learning with the discriminator's per-step reward (SPIRAL++: each step earns
#      the change in the conditional critic's score) and the same penalty and cloning share, the
#      critic training beside it (105 minutes); the checkpoint best on 500 validation glyphs is kept;
#   6. shipping those weights with their evaluation.
# DATA is ../shared/data by default; runs go to runs/.
set -eu
DATA=${DATA:-../shared/data}
echo "0c4ed0029a08e974df917e395d000ca70774819300acd876f803b7a9af252362  checkpoints/mnist/policy.safetensors" | sha256sum -c -

spiral dataset strokes runs/strokes --omniglot "$DATA/omniglot" \
  --stroke3 "$DATA/sketches/kanji.rdp100.npz" --stroke3 "$DATA/sketches/aaron_sheep.npz"

spiral train --data strokes:runs/strokes --brush classic/pen --reward l2-step --human 1 \
  --warm-start 45 --minutes 45 --init-from checkpoints/mnist --location-input --location-readout \
  --lr 1e-3 --batch-size 32 --actors 1 --checkpoint-minutes 3 --run-dir runs/human

spiral train --data omniglot:"$DATA/omniglot/images_background.npz" --human-strokes runs/strokes --human 1 \
  --imitation 0.5 --search 8 --search-replay 1 --dagger 0.25 --brush classic/pen --reward l2-step \
  --init-from runs/human --location-input --location-readout --lr 5e-4 --batch-size 32 --actors 1 \
  --minutes 40 --checkpoint-minutes 3 --run-dir runs/omniglot-search

spiral train --data omniglot:"$DATA/omniglot/images_background.npz" --human-strokes runs/strokes --human 1 \
  --imitation 0.3 --reward l2-step --stroke-penalty 0.02 --init-from runs/omniglot-search \
  --location-input --location-readout --brush classic/pen --lr 1e-4 --entropy 0.003 --batch-size 32 \
  --actors 1 --minutes 170 --checkpoint-minutes 5 --run-dir runs/omniglot-rl

spiral train --data omniglot:"$DATA/omniglot/images_background.npz" --human-strokes runs/strokes --human 1 \
  --imitation 0.3 --reward discriminator-step --stroke-penalty 0.02 --init-from runs/omniglot-rl \
  --location-input --location-readout --brush classic/pen --lr 1e-4 --entropy 0.003 --batch-size 32 \
  --actors 1 --minutes 105 --checkpoint-minutes 5 --select 500 --history --run-dir runs/omniglot-dstep

python tools/ship_checkpoint.py runs/omniglot-dstep omniglot \
  --data omniglot:"$DATA/omniglot/images_background.npz" --n 1000 --search 8 --best-n 100
