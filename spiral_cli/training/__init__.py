"""The SPIRAL training runtime: actors, a policy learner and a discriminator learner in
separate processes, talking through shared memory."""
