"""`python -m madlab_dream.simulate`: runs `madlab_dream.commands.simulate`."""

if __name__ == "__main__":
  from madlab_dream.commands import simulate
  simulate.main()
