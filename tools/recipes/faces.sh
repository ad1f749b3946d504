#!/bin/sh
# Builds checkpoints/faces on a 2-core machine (about 4.5 hours):
#   1. the colour stroke search paints every training face and a jittered crop of each in one
#      20-step episode each (spiral dataset paintings, about 60 minutes; resumable); training
#      clones their mirror images too, four views of every face;
#   2. the agent clones those programs for two thirds of its budget (learning rate 1e-3), then at 3e-4
#      from the discriminator reward with the colour-histogram penalty (paper section 4.5), half the
#      episodes reinforced and half searched, a quarter of the batches still cloning; each checkpoint
#      is scored on 200 validation faces and the best is kept (--select); in the shipped run (session
#      13) the discriminator phase made the agent worse, so the kept weights are the end of cloning;
#   3. shipping the best checkpoint with its evaluation on 100 held-out faces (and coarse to fine at
#      128 px in 200 strokes on 20), beside its teacher, the 4 x 4 mosaic and the mean colour.
# Run it alone on the machine. DATA is ../shared/data by default; runs go to runs/.
set -eu
DATA=${DATA:-../shared/data}
MINUTES=${MINUTES:-48}
FACES="images:$DATA/faces"

spiral dataset paintings runs/paintings-faces --data "$FACES" --crops 1

spiral train --data "$FACES" --paintings runs/paintings-faces --trace 1 --warm-start "$((MINUTES * 2 / 3))" \
  --warm-start-lr 1e-3 --lr 3e-4 --imitation 0.25 --search 8 --search-fraction 0.5 \
  --reward discriminator --color-penalty 0.1 --d-centering 0.01 --brush classic/pen \
  --location-input --location-readout --actors 2 --batch-size 32 --minutes "$MINUTES" --history \
  --run-dir runs/faces

PAINTINGS=$(sha256sum runs/paintings-faces/paintings.npz | cut -c1-64)
PHASE=$(python -c "import json; print(json.load(open('runs/faces/best/state.json'))['phase'])")
python tools/ship_checkpoint.py runs/faces faces --data "$FACES" --n 100 --best-n 20 --note "The colour \
stroke search's paintings (runs/paintings-faces/paintings.npz, sha256 $PAINTINGS) and their mirror images \
cloned for $((MINUTES * 2 / 3)) minutes, then the discriminator reward; the weights kept on the validation \
faces are from the $PHASE phase (warm-start: cloning only, never trained against the discriminator)."

# 4. (session 19) 40 minutes of expert iteration from those weights: every episode searched, the
#    agent's 8 proposals a step (and their pen lifts) judged by the renderer, each stroke in the
#    colours that fit the picture under it (parsing/search.py: in_fitted_colours), and the policy
#    clones the choices; the checkpoint best on 100 validation faces (greedy) ships. The shipped
#    `faces` is this step's; its card has the command, the hashes and the scores.
cp -r checkpoints/faces runs/faces-step3  # the weights this step starts from, by content (hash in the card)
spiral train --data "$FACES" --init-from runs/faces-step3 --brush classic/pen --location-input --location-readout \
  --search 8 --search-fraction 1.0 --imitation 0 --warm-start 0 --lr 3e-4 --reward l2 --actors 2 --batch-size 32 \
  --minutes 40 --checkpoint-minutes 5 --select 100 --history --run-dir runs/faces-ei
cp runs/faces-ei/config.json checkpoints/faces/config.json
cp runs/faces-ei/best/policy.safetensors runs/faces-ei/best/state.json checkpoints/faces/
spiral eval --checkpoint faces --data "$FACES" --n 100 --paint 64:20 --json runs/faces-ei-eval64.json
spiral eval --checkpoint faces --data "$FACES" --n 20 --paint 128:200 --json runs/faces-ei-eval128.json

# 5. (session 20) 60 minutes from step 4's weights with half the episodes searched as in step 4 and
#    half reinforced with the discriminator reward and the colour-histogram penalty, beside the same
#    run with --reward l2 (paper Figure 8b; one actor each, so both get the same share of the
#    machine); the discriminator run's checkpoint best on 100 validation faces ships as `faces`.
cp -r checkpoints/faces runs/faces-s20-init  # step 4's weights, by content (hash in the card)
for reward in discriminator l2; do
  spiral train --data "$FACES" --init-from runs/faces-s20-init --brush classic/pen --location-input --location-readout \
    --search 8 --search-fraction 0.5 --imitation 0 --warm-start 0 --lr 3e-4 --reward "$reward" --color-penalty 0.1 \
    --d-centering 0.01 --actors 1 --batch-size 32 --minutes 60 --checkpoint-minutes 5 --select 100 --history \
    --run-dir "runs/faces-8b-$reward" &
done
wait
python tools/reward_curves.py runs/faces-8b-discriminator runs/faces-8b-l2 --data "$FACES" --n 100 --ylim 0.08 0.2 \
  --plot docs/rewards/faces-s20.png --json docs/rewards/faces-s20.json
cp runs/faces-8b-discriminator/config.json checkpoints/faces/config.json
cp runs/faces-8b-discriminator/best/policy.safetensors runs/faces-8b-discriminator/best/state.json checkpoints/faces/
spiral eval --checkpoint faces --data "$FACES" --n 100 --paint 64:20 --json runs/faces-s20-eval64.json
spiral eval --checkpoint faces --data "$FACES" --n 20 --paint 128:200 --json runs/faces-s20-eval128.json
