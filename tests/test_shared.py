"""What actors and learners share must survive an actor killed at any moment."""

import os
import signal
import threading
import time

import torch
import torch.multiprocessing as mp
from torch import nn

from spiral_cli.envs import env_config
from spiral_cli.training.shared import FILLING, FREE, FULL, TAKEN, RolloutStore, SharedWeights


def keep_pulling(weights: SharedWeights, started) -> None:
    module = nn.Linear(256, 256)
    started.set()
    version = -1
    while True:
        version = weights.pull(module, version - 1)  # always reload: as long as possible inside a read


def test_publishing_survives_a_reader_killed_mid_read():
    context = mp.get_context("spawn")
    writer = nn.Linear(256, 256)
    weights = SharedWeights(writer, context)
    started = context.Event()
    reader = context.Process(target=keep_pulling, args=(weights, started), daemon=True)
    reader.start()
    assert started.wait(60)
    time.sleep(0.3)
    os.kill(reader.pid, signal.SIGKILL)
    reader.join()
    with torch.no_grad():
        writer.weight.fill_(0.5)
    publishing = threading.Thread(target=lambda: [weights.publish(writer) for _ in range(3)], daemon=True)
    publishing.start()
    publishing.join(timeout=10)
    assert not publishing.is_alive(), "a reader killed while reading blocked the writer"
    fresh = nn.Linear(256, 256)
    assert weights.pull(fresh, -1) == 6  # two version steps per publish
    assert torch.equal(fresh.weight, writer.weight)


def test_slots_change_hands_and_a_dead_actors_unfinished_slot_is_freed():
    env = env_config("paint", canvas=16, grid=8, episode_length=2)
    store = RolloutStore(6, env.episode_length, 2, env.image_shape, env.action_components())
    first, second = store.owned_by(0, 2), store.owned_by(1, 2)
    assert first == [0, 2, 4] and second == [1, 3, 5]
    filled, abandoned = store.claim(first), store.claim(first)
    assert store.state[filled] == FILLING and abandoned != filled
    store.state[filled] = FULL
    assert store.take_full() == [filled] and store.state[filled] == TAKEN
    assert store.take_full() == []  # taken once only
    store.release_unfinished(first)  # the actor died filling `abandoned`; its successor frees it
    assert store.state[abandoned] == FREE and store.state[filled] == TAKEN
    store.free([filled])
    assert [store.claim(first) for _ in range(4)] == [*first, None]
