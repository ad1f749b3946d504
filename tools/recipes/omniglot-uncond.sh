#!/bin/sh
# Rebuilds checkpoints/omniglot-uncond on a 2-core machine (about 80 minutes):
#   1. 75 minutes of unconditional training on Omniglot's 24 training alphabets: in 80% of the
#      episodes the agent imitates what the conditional omniglot teacher (checked by content hash)
#      draws for a training glyph with best of 8 per step; the other 20% are reinforced by the
#      discriminator (the paper's reward), which trains beside it on real training glyphs;
#   2. shipping the best weights with their Fréchet distances (feature network: omniglot-classifier).
# DATA is ../shared/data by default; the run goes to runs/.
set -eu
DATA=${DATA:-../shared/data}
echo "8e543904295b0f651a77faa37f4b051fe9ff16277db487aaf24b5aa84724b7bb  checkpoints/omniglot/policy.safetensors" | sha256sum -c -

spiral train --unconditional --data omniglot:"$DATA/omniglot/images_background.npz" --brush classic/pen \
  --reward discriminator --teacher omniglot --search 8 --search-fraction 0.8 --lr 1e-3 --batch-size 32 \
  --actors 2 --minutes 75 --checkpoint-minutes 3 --location-input --location-readout --run-dir runs/omniglot-uncond

python tools/ship_checkpoint.py runs/omniglot-uncond omniglot-uncond \
  --data omniglot:"$DATA/omniglot/images_background.npz" --n 1000
