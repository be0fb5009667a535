#!/usr/bin/python3
"""A hostile task's attacks on its own sandbox (tests/e2e/hostile_sandbox.bats).

Run as the task's command, in its sandbox: it replaces its stdout and stderr
files with something that leads outside the sandbox, makes every name a
rotation renames to a directory that is not empty (so that no rename can move
its plant away), then writes well past --sandbox-log-max-size so that the
executor (root) rotates and reopens the files.

  hostile_sandbox.py links KEEP CANARY_1 CANARY_2
      stdout -> symbolic link to CANARY_1, stderr -> hard link to CANARY_2
  hostile_sandbox.py fifos KEEP
      stdout and stderr -> FIFOs nobody reads (an open for writing blocks)
  hostile_sandbox.py dirs KEEP
      stdout and stderr stay, only the directories are in the way (a full
      file that cannot be renamed away must not be rotated forever)
"""
import os
import sys


def plant(name, how, target, keep):
    if how != "keep":
        os.unlink(name)
    if how == "symlink":
        os.symlink(target, name)
    elif how == "hardlink":
        os.link(target, name)
    elif how == "fifo":
        os.mkfifo(name)
    for index in range(1, keep + 1):
        os.makedirs(f"{name}.{index}/x", exist_ok=True)


def main():
    mode, keep = sys.argv[1], int(sys.argv[2])
    if mode == "links":
        plant("stdout", "symlink", sys.argv[3], keep)
        plant("stderr", "hardlink", sys.argv[4], keep)
    elif mode == "fifos":
        plant("stdout", "fifo", None, keep)
        plant("stderr", "fifo", None, keep)
    elif mode == "dirs":
        plant("stdout", "keep", None, keep)
        plant("stderr", "keep", None, keep)
    else:
        sys.exit(f"unknown mode {mode}")
    line = "hostile output " + "x" * 64 + "\n"
    for _ in range(200):  # about 16 KB per stream, far past the rotation size
        sys.stdout.write(line)
        sys.stdout.flush()
        sys.stderr.write(line)
        sys.stderr.flush()


if __name__ == "__main__":
    main()
