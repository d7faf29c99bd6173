"""`python -m madlab_dream.stability`: runs `madlab_dream.commands.stability`."""

if __name__ == "__main__":
  from madlab_dream.commands import stability
  stability.main()
