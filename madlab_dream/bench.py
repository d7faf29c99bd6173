"""`python -m madlab_dream.bench`: runs `madlab_dream.commands.bench`."""

if __name__ == "__main__":
  from madlab_dream.commands import bench
  bench.main()
