"""`python -m madlab_dream.explain`: runs `madlab_dream.commands.explain`."""

if __name__ == "__main__":
  from madlab_dream.commands import explain
  explain.main()
